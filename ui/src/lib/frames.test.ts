import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, flush, frameView, installIpc } from "../test/ipc";
import type { FrameFacts } from "./bindings/FrameFacts";
import type { Slot } from "./bindings/Slot";
import { actionWords, sizeLine, slotWarnings } from "./frameFacts";
import { FrameStore } from "./frames.svelte";

const facts = (shape: "landscape" | "portrait" | "square", w: number, h: number): FrameFacts => ({
  ...frameView("start", shape, w, h).facts,
  width: w,
  height: h,
});

describe("frame facts", () => {
  it("say the final size, format and weight", () => {
    expect(sizeLine(facts("landscape", 1920, 1080))).toBe("1920×1080 · JPEG · 412 KB");
  });

  it("say what preparation did", () => {
    const f = { ...facts("landscape", 1920, 1080), actions: ["rotated", "resized"] as const };
    const words = actionWords("en", { ...f, actions: [...f.actions] });
    expect(words).toEqual(["rotated", "resized from 6000×4000"]);
    expect(actionWords("zh", { ...f, actions: ["converted"] })).toEqual(["已从 JPEG 转换"]);
  });

  it("show Rust's advice first, then what preparing found, in the UI's language", () => {
    const f = {
      ...facts("landscape", 1920, 1080),
      warnings: [
        {
          code: "upscaled" as const,
          message: "Upscaled from 640×360",
          messageZh: "已从 640×360 放大",
        },
      ],
    };
    const advice = [
      {
        code: "pair_aspect" as const,
        message: "Start and end frames differ in shape (16:9 vs 4:3).",
        messageZh: "首帧和尾帧的比例不同（16:9 与 4:3）。",
      },
    ];
    expect(slotWarnings("zh", f, advice)).toEqual([
      { code: "pair_aspect", text: "首帧和尾帧的比例不同（16:9 与 4:3）。" },
      { code: "upscaled", text: "已从 640×360 放大" },
    ]);
    expect(slotWarnings("en", { ...f, warnings: [] }, [])).toEqual([]);
  });
});

describe("the frame store", () => {
  afterEach(() => clearMocks());

  it("shows a refusal on its slot and keeps the previous image", async () => {
    let refuse = false;
    installIpc({
      drop_frame: (a) => {
        if (refuse)
          throw {
            kind: "invalid_input",
            message: "HEIC is not supported; export it as JPEG",
            messageZh: "不支持 HEIC；请导出为 JPEG",
          };
        return frameView(a.slot as Slot);
      },
    });
    const frames = new FrameStore();
    await frames.dropPath("start", "/a.jpg");
    expect(frames.start.view).not.toBeNull();
    refuse = true;
    await frames.dropPath("start", "/b.heic");
    expect(frames.start.error?.message).toBe("HEIC is not supported; export it as JPEG");
    expect(frames.start.view?.facts.sha256).toBe("start-1920x1080");
    expect(frames.end.error).toBeNull();
    frames.dismiss("start");
    expect(frames.start.error).toBeNull();
  });

  it("lets the newest preparation for a slot win", async () => {
    const answers: ((v: unknown) => void)[] = [];
    installIpc({ drop_frame: () => new Promise((r) => answers.push(r)) });
    const frames = new FrameStore();
    const first = frames.dropPath("end", "/old.jpg");
    const second = frames.dropPath("end", "/new.jpg");
    await flush();
    answers[1](frameView("end", "portrait"));
    answers[0](frameView("end", "landscape"));
    await Promise.all([first, second]);
    expect(frames.end.view?.facts.shape).toBe("portrait");
    expect(frames.end.busy).toBeNull();
  });

  it("swaps what Rust swapped, and suggests the new start frame's orientation", async () => {
    installIpc({
      drop_frame: (a) => frameView(a.slot as Slot, a.slot === "end" ? "portrait" : "landscape"),
      swap_frames: () => [frameView("start", "portrait"), frameView("end", "landscape")],
    });
    const frames = new FrameStore();
    const seen: string[] = [];
    frames.onStartFilled = (v) => seen.push(v.facts.shape);
    await frames.dropPath("start", "/a.jpg");
    await frames.dropPath("end", "/b.jpg");
    await frames.swap();
    expect(frames.start.view?.facts.shape).toBe("portrait");
    expect(frames.end.view?.facts.shape).toBe("landscape");
    expect(seen).toEqual(["landscape", "portrait"]);
  });

  it("asks Rust for the advice of the chosen orientation, the newest answer winning", async () => {
    const answers: Record<string, unknown> = {
      landscape: { start: [], end: [] },
      portrait: {
        start: [{ code: "shape_mismatch", message: "landscape frame", messageZh: "横向" }],
        end: [],
      },
    };
    const ipc = installIpc({ frame_advice: (a) => answers[a.orientation as string] });
    const store = new FrameStore();
    await store.advise("portrait");
    expect(store.advice.start.map((w) => w.code)).toEqual(["shape_mismatch"]);
    await Promise.all([store.advise("portrait"), store.advise("landscape")]);
    expect(store.advice.start).toEqual([]);
    expect(
      ipc.calls.filter((c) => c.cmd === "frame_advice").map((c) => c.args.orientation),
    ).toEqual(["portrait", "portrait", "landscape"]);
  });
});
