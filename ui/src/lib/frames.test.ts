import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, flush, frameView, installIpc } from "../test/ipc";
import type { FrameFacts } from "./bindings/FrameFacts";
import type { Slot } from "./bindings/Slot";
import { actionWords, pairWarning, sizeLine, slotWarnings } from "./frameFacts";
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

  it("warn when the frame's orientation differs from the model's, following the picker", () => {
    const portrait = facts("portrait", 1080, 1920);
    expect(slotWarnings("en", portrait, "portrait", null, false)).toEqual([]);
    const w = slotWarnings("en", portrait, "landscape", null, false);
    expect(w.map((x) => x.code)).toEqual(["orientation"]);
    expect(w[0].text).toContain("portrait");
    expect(w[0].text).toContain("16:9");
  });

  it("warn when start and end differ in aspect, else in size", () => {
    const a = facts("landscape", 1920, 1080);
    expect(pairWarning("en", a, facts("landscape", 1920, 1080))).toBeNull();
    expect(pairWarning("en", a, facts("landscape", 1280, 720))?.code).toBe("pair_size");
    const aspect = pairWarning("en", a, facts("landscape", 1600, 1200));
    expect(aspect?.code).toBe("pair_aspect");
    expect(aspect?.text).toContain("16:9 vs 4:3");
    // Said once, on the end slot.
    expect(slotWarnings("en", a, "landscape", a, false)).toEqual([]);
    const onEnd = slotWarnings("en", facts("landscape", 1280, 720), "landscape", a, true);
    expect(onEnd.map((x) => x.code)).toEqual(["pair_size"]);
  });

  it("keep the engine's other warnings and drop its copies of the UI's", () => {
    const f = {
      ...facts("landscape", 1920, 1080),
      warnings: [
        { code: "shape_mismatch" as const, message: "stale", messageZh: "旧" },
        {
          code: "upscaled" as const,
          message: "Upscaled from 640×360",
          messageZh: "已从 640×360 放大",
        },
      ],
    };
    expect(slotWarnings("zh", f, "landscape", null, false)).toEqual([
      { code: "upscaled", text: "已从 640×360 放大" },
    ]);
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
});
