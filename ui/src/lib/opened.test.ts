import { emit } from "@tauri-apps/api/event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { clearMocks, flush, frameView, installIpc } from "../test/ipc";
import type { Slot } from "./bindings/Slot";
import { FrameStore } from "./frames.svelte";
import { listenForOpenedFiles } from "./listeners";

afterEach(() => clearMocks());

/** Rust's side: the images waiting in `opened_files`, and `drop_frame` preparing any of them. */
function backend(waiting: string[][]) {
  return installIpc({
    opened_files: () => waiting.shift() ?? [],
    drop_frame: (args) => {
      if (String(args.path).endsWith(".txt")) {
        throw { kind: "invalid_input", message: "not an image", messageZh: "不是图片" };
      }
      const view = frameView(args.slot as Slot);
      return { ...view, facts: { ...view.facts, sha256: String(args.path) } };
    },
  });
}

const drops = (ipc: ReturnType<typeof installIpc>) =>
  ipc.calls.filter((c) => c.cmd === "drop_frame").map((c) => [c.args.slot, c.args.path]);

describe("images opened with Framecast", () => {
  it("fill start and end at start-up, and a later hand-over replaces the start frame", async () => {
    const ipc = backend([["/pics/sea.png", "/pics/sky.jpg"], ["/pics/dawn.webp"]]);
    const frames = new FrameStore();
    const failed = vi.fn();
    const stop = await listenForOpenedFiles(frames, failed);
    await flush();
    expect(drops(ipc)).toEqual([
      ["start", "/pics/sea.png"],
      ["end", "/pics/sky.jpg"],
    ]);
    expect(frames.start.view?.facts.sha256).toBe("/pics/sea.png");
    expect(frames.end.view?.facts.sha256).toBe("/pics/sky.jpg");

    // A second `framecast dawn.webp`: Rust registers the path, then says so.
    await emit("open-files");
    await flush();
    await flush();
    expect(drops(ipc).at(-1)).toEqual(["start", "/pics/dawn.webp"]);
    expect(frames.start.view?.facts.sha256).toBe("/pics/dawn.webp");
    expect(frames.end.view?.facts.sha256).toBe("/pics/sky.jpg");
    expect(failed).not.toHaveBeenCalled();

    stop();
    const asked = ipc.calls.filter((c) => c.cmd === "opened_files").length;
    await emit("open-files");
    await flush();
    expect(ipc.calls.filter((c) => c.cmd === "opened_files")).toHaveLength(asked);
  });

  it("leave the slots alone when Framecast was started without images", async () => {
    const ipc = backend([]);
    const frames = new FrameStore();
    await listenForOpenedFiles(frames, vi.fn());
    await flush();
    expect(ipc.calls.map((c) => c.cmd)).toContain("opened_files");
    expect(drops(ipc)).toEqual([]);
    expect(frames.empty).toEqual(["start", "end"]);
  });

  it("show a refused file on its slot, like a drop", async () => {
    backend([["/pics/notes.txt"]]);
    const frames = new FrameStore();
    await listenForOpenedFiles(frames, vi.fn());
    await flush();
    expect(frames.start.view).toBeNull();
    expect(frames.start.error?.message).toBe("not an image");
  });

  it("report a failed hand-over instead of dropping it silently", async () => {
    installIpc({
      opened_files: () => {
        throw { kind: "internal", message: "gone", messageZh: "没了" };
      },
    });
    const failed = vi.fn();
    await listenForOpenedFiles(new FrameStore(), failed);
    await flush();
    expect(failed).toHaveBeenCalledTimes(1);
  });
});
