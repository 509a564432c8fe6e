// Dev-only preview: runs the UI in a plain browser with scripted Rust commands, so it can be seen
// and screenshot without the app. `npm run dev:preview` serves it (VITE_PREVIEW=1 from
// .env.preview; see main.ts); production builds never include it. Sample videos are served from
// PREVIEW_MEDIA_DIR (landscape.webm, portrait.webm) when that variable is set.
//
// URL parameters: `scene` = empty | form | jobs | all; `lang` = en | zh; `theme` = light | dark;
// `nokey` = 1 (no API key). Prompts containing "fail" or "partial" script those outcomes.

import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type { Event } from "../lib/bindings/Event";
import type { FrameView } from "../lib/bindings/FrameView";
import type { Shape } from "../lib/bindings/Shape";
import type { Slot } from "../lib/bindings/Slot";
import type { StartJob } from "../lib/bindings/StartJob";
import { settings } from "../lib/settings.svelte";

const params = new URLSearchParams(location.search);
const media = (name: string) => `/preview-media/${name}.webm`;

function thumbnail(shape: Shape, hue: number): string {
  const canvas = document.createElement("canvas");
  [canvas.width, canvas.height] =
    shape === "landscape" ? [320, 180] : shape === "portrait" ? [180, 320] : [240, 240];
  const g = canvas.getContext("2d");
  if (!g) return "";
  const grad = g.createLinearGradient(0, 0, canvas.width, canvas.height);
  grad.addColorStop(0, `hsl(${hue} 60% 35%)`);
  grad.addColorStop(1, `hsl(${hue + 50} 70% 65%)`);
  g.fillStyle = grad;
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = "rgb(255 255 255 / 0.85)";
  g.beginPath();
  g.arc(
    canvas.width * 0.7,
    canvas.height * 0.35,
    Math.min(canvas.width, canvas.height) * 0.12,
    0,
    7,
  );
  g.fill();
  return canvas.toDataURL("image/jpeg", 0.8);
}

function frame(slot: Slot, name: string): FrameView {
  const portrait = /portrait|tall|phone/i.test(name);
  const shape: Shape = portrait ? "portrait" : "landscape";
  const [w, h] = portrait ? [1080, 1920] : name.includes("small") ? [1280, 720] : [1920, 1080];
  return {
    slot,
    thumbnail: thumbnail(shape, slot === "start" ? 250 : 20),
    facts: {
      mime: "image/jpeg",
      bytes: portrait ? 512_000 : 421_888,
      width: w,
      height: h,
      shape,
      modelAspect: shape,
      matchesModel: true,
      sha256: `${name}-${slot}`,
      source: {
        origin: "path",
        name,
        format: name.endsWith(".png") ? "png" : "jpeg",
        bytes: 6_400_000,
        width: portrait ? 4000 : 6000,
        height: portrait ? 6000 : 4000,
        orientation: portrait ? 6 : 1,
      },
      actions: portrait ? ["rotated", "resized"] : ["resized", "converted"],
      warnings: [],
    },
    from: null,
  };
}

const held: Record<Slot, FrameView | null> = { start: null, end: null };

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A scripted job: timing scaled by `pace` (0 = instant). */
async function runJob(request: StartJob, send: (e: Event) => void, pace: number) {
  const id = request.id;
  const step = (ms: number) => (pace > 0 ? wait(ms * pace) : Promise.resolve());
  const landscape = request.model.includes("landscape");
  const file = landscape ? "landscape" : "portrait";
  const fail = /fail/i.test(request.prompt);
  const partial = /partial/i.test(request.prompt);
  const hang = /hold/i.test(request.prompt);
  const transcript = [`> POST /v1/chat/completions model=${request.model} n=${request.n}`];

  send({ type: "status", phase: "sending" });
  await step(600);
  if (fail) {
    await step(400);
    send({
      type: "finished",
      state: "failed",
      requested: request.n,
      delivered: 0,
      error: {
        kind: "quota",
        message:
          "The gateway refused the request: insufficient quota (“Your balance is $0.04; this request needs $0.50”). Request id req_7f3a91c2.",
        messageZh:
          "网关拒绝了请求：额度不足（“Your balance is $0.04; this request needs $0.50”）。请求 ID req_7f3a91c2。",
        gateway: { status: 402, code: "insufficient_quota", requestId: "req_7f3a91c2" },
      },
      transcript: [...transcript, "< 402 insufficient_quota"],
    });
    return;
  }
  send({ type: "status", phase: "queued", text: "Task queued (position 3)" });
  await step(1500);
  send({ type: "status", phase: "generating", text: "Generating video…" });
  for (const p of [6, 14, 27, 41, 58, 63, 77, 88]) {
    await step(900);
    send({ type: "progress", percent: p });
    send({ type: "status", text: `Rendering frames (${p}%)` });
  }
  if (hang) return;
  for (let i = 1; i <= request.n; i++) {
    if (partial && i === request.n) {
      send({ type: "video_failed", index: i, reason: "Content policy: the output was filtered" });
      continue;
    }
    send({ type: "video", index: i, url: `${media(file)}?remote=${i}` });
  }
  send({ type: "progress", percent: 100 });
  send({ type: "status", phase: "downloading" });
  const delivered = partial ? request.n - 1 : request.n;
  const total = 3_400_000;
  for (let i = 1; i <= delivered; i++) {
    for (const b of [0.2, 0.55, 0.9]) {
      await step(500);
      send({ type: "download", index: i, bytes: Math.round(total * b), total });
    }
    // The preview's "media server" is Vite's: the saved take plays the sample file.
    send({
      type: "saved",
      index: i,
      video: `${file}.webm`,
      path: `/Videos/framecast-${id}-${i}.mp4`,
      bytes: total,
    });
  }
  send({
    type: "finished",
    state: partial ? "partial" : "done",
    requested: request.n,
    delivered,
    error: partial
      ? {
          kind: "generation_failed",
          message: `${delivered} of ${request.n} videos were delivered; the gateway said: Content policy: the output was filtered.`,
          messageZh: `已交付 ${delivered} / ${request.n} 个视频；网关返回：Content policy: the output was filtered。`,
        }
      : undefined,
    transcript: [...transcript, "< 200 text/event-stream", "data: [DONE]"],
  });
}

let pace = 1;

export function install(): void {
  const lang = params.get("lang");
  if (lang === "en" || lang === "zh") settings.lang = lang;
  const theme = params.get("theme");
  if (theme === "light" || theme === "dark" || theme === "system") settings.theme = theme;
  mockWindows("main");
  mockIPC(
    async (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      switch (cmd) {
        case "app_info":
          return {
            version: "0.1.0",
            baseUrl: "http://127.0.0.1:8787/v1",
            hasKey: params.get("nokey") !== "1",
            demo: true,
            videosDir: "~/Videos/Framecast",
            dataDir: "~/.local/share/app.framecast.desktop",
            mediaBase: "/preview-media",
            posterBase: "http://127.0.0.1:4000/poster/preview",
          };
        case "drop_frame": {
          await wait(500);
          const path = String(a.path);
          if (/\.heic$/i.test(path))
            throw {
              kind: "invalid_input",
              message: "HEIC is not supported; export it as JPEG",
              messageZh: "不支持 HEIC；请导出为 JPEG",
            };
          const slot = a.slot as Slot;
          held[slot] = frame(slot, path.split("/").pop() ?? "image.jpg");
          return held[slot];
        }
        case "browse_frame": {
          await wait(300);
          const slot = a.slot as Slot;
          held[slot] = frame(slot, slot === "start" ? "harbor-dawn.jpg" : "harbor-night-small.jpg");
          return held[slot];
        }
        case "paste_frame": {
          await wait(300);
          held.start = frame("start", "pasted.png");
          return held.start;
        }
        case "clear_frame":
          held[a.slot as Slot] = null;
          return null;
        case "swap_frames": {
          [held.start, held.end] = [held.end, held.start];
          return [held.start, held.end];
        }
        case "start_job": {
          const channel = a.onEvent as { onmessage: (e: Event) => void };
          void runJob(a.request as StartJob, (e) => channel.onmessage(e), pace);
          return null;
        }
        case "recent_jobs":
          return [];
        case "resume_downloads":
          return 0;
        case "busy":
          return { generating: 0, downloading: 0 };
        case "cancel_job":
          return null;
        case "save_video":
          return "~/Desktop/video.mp4";
        case "save_all":
          return "~/Desktop";
        default:
          return null;
      }
    },
    { shouldMockEvents: true },
  );
}

/** Puts the UI into the state a screenshot needs. */
export async function populate(): Promise<void> {
  const scene = params.get("scene");
  const { frames } = await import("../lib/frames.svelte");
  const { jobs } = await import("../lib/jobs.svelte");
  const { app } = await import("../lib/app.svelte");
  if (!scene) return;
  settings.prompt = "";
  settings.orientation = "landscape";
  settings.orientationExplicit = false;
  settings.modelOverride = null;
  settings.count = 1;
  if (scene === "empty") return;

  settings.prompt =
    "A paper boat drifts down a rain-soaked street at dusk; slow dolly forward, neon reflections shimmering in the puddles, soft rain ambience.";
  if (scene === "form" || scene === "all") {
    await frames.dropPath(
      "start",
      params.get("portrait") === "1"
        ? "/home/me/Pictures/portrait-pier.jpg"
        : "/home/me/Pictures/harbor-dawn.jpg",
    );
    await frames.dropPath("end", "/home/me/Pictures/harbor-night-small.jpg");
    settings.count = 2;
  }
  if (params.get("refuse") === "1") await frames.dropPath("end", "/home/me/Pictures/IMG_2041.HEIC");
  if (params.get("drag") === "1") {
    const { handleDragDrop } = await import("../lib/listeners");
    const box = document.querySelector("[data-slot=end]")?.getBoundingClientRect();
    const r = window.devicePixelRatio || 1;
    if (box)
      handleDragDrop(frames, {
        type: "enter",
        paths: ["/tmp/a.jpg"],
        position: { x: (box.left + 40) * r, y: (box.top + 20) * r },
      });
  }
  if (params.get("preparing") === "1") void frames.dropPath("start", "/home/me/slow.jpg");
  if (scene === "jobs" || scene === "all") {
    const job = (prompt: string, model: string, n: number, speed: number) => {
      pace = speed;
      jobs.start({
        request: { prompt, model, n },
        orientation: model.includes("landscape") ? "landscape" : "portrait",
        price: model.includes("fast") ? 0.15 : 0.25,
        frames: { start: null, end: null },
      });
    };
    job(
      "fail: Close-up of a hummingbird hovering at a red flower, macro lens, morning light",
      "veo-3.1-landscape-fast",
      2,
      0,
    );
    job(
      "Aerial shot over a misty pine forest at sunrise, slow push in, birdsong",
      "veo-3.1-landscape",
      2,
      0,
    );
    job("A dancer spins in a sunlit studio, hair flying; handheld, 35mm", "veo-3.1-fast", 3, 0.35);
    job(settings.prompt, app.model, 2, 1);
  }
  if (scene === "quad") {
    pace = 1;
    for (const [model, orientation] of [
      ["veo-3.1-landscape", "landscape"],
      ["veo-3.1", "portrait"],
    ] as const)
      jobs.start({
        request: { prompt: `Four ${orientation} takes of a koi pond in the rain`, model, n: 4 },
        orientation,
        price: 0.25,
        frames: { start: null, end: null },
      });
  }
  if (scene === "partial") {
    pace = 0;
    jobs.start({
      request: {
        prompt: "partial: Three takes of a lighthouse beam sweeping across a stormy sea",
        model: "veo-3.1-landscape",
        n: 3,
      },
      orientation: "landscape",
      price: 0.25,
      frames: { start: null, end: null },
    });
  }
}

export { clearMocks };
