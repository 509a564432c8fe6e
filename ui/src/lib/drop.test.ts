import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearMocks, flush, frameView, installIpc } from "../test/ipc";
import type { Slot } from "./bindings/Slot";
import { dropPointToCss, pasteTarget, planDrop, slotAt } from "./drop";
import { FrameStore } from "./frames.svelte";
import { handleDragDrop, handlePaste } from "./listeners";
import { options } from "./options.svelte";

const boxes = {
  start: { left: 20, top: 300, right: 380, bottom: 370 },
  end: { left: 20, top: 380, right: 380, bottom: 450 },
};

describe("drop targeting", () => {
  it("fills start then end when two files are dropped, wherever they land", () => {
    expect(planDrop(["/a.jpg", "/b.jpg"], "end", [])).toEqual([
      { slot: "start", path: "/a.jpg" },
      { slot: "end", path: "/b.jpg" },
    ]);
    expect(planDrop(["/a.jpg", "/b.jpg", "/c.jpg"], null, ["start", "end"])).toHaveLength(2);
  });

  it("puts one file on the slot under it", () => {
    const over = slotAt({ x: 100, y: 400 }, boxes);
    expect(over).toBe("end");
    expect(planDrop(["/a.jpg"], over, ["start", "end"])).toEqual([{ slot: "end", path: "/a.jpg" }]);
  });

  it("puts one file dropped elsewhere in the first empty slot, start first", () => {
    expect(slotAt({ x: 600, y: 400 }, boxes)).toBeNull();
    expect(planDrop(["/a.jpg"], null, ["start", "end"])[0].slot).toBe("start");
    expect(planDrop(["/a.jpg"], null, ["end"])[0].slot).toBe("end");
    expect(planDrop(["/a.jpg"], null, [])[0].slot).toBe("start");
  });

  it("reads each webview's drop position in CSS pixels", () => {
    // WebView2 (Windows) reports physical pixels: at 200 % a point on the End slot is twice as far.
    expect(dropPointToCss({ x: 200, y: 800 }, 2, "windows")).toEqual({ x: 100, y: 400 });
    expect(dropPointToCss({ x: 150, y: 600 }, 1.5, "windows")).toEqual({ x: 100, y: 400 });
    expect(slotAt(dropPointToCss({ x: 200, y: 800 }, 2, "windows"), boxes)).toBe("end");
    // WKWebView (macOS) reports points, already CSS pixels: on a Retina screen dividing by 2
    // would have put a drop on the End slot onto the Start slot.
    expect(dropPointToCss({ x: 100, y: 400 }, 2, "macos")).toEqual({ x: 100, y: 400 });
    expect(slotAt(dropPointToCss({ x: 100, y: 400 }, 2, "macos"), boxes)).toBe("end");
    // WebKitGTK (Linux) reports GTK's logical pixels, also CSS pixels, scaled screen or not.
    expect(dropPointToCss({ x: 100, y: 400 }, 1, "linux")).toEqual({ x: 100, y: 400 });
    expect(dropPointToCss({ x: 100, y: 400 }, 2, "linux")).toEqual({ x: 100, y: 400 });
    // A ratio the window cannot have is taken as 1.
    expect(dropPointToCss({ x: 100, y: 400 }, 0, "windows")).toEqual({ x: 100, y: 400 });
  });

  it("pastes into the focused slot, else the hovered one, else the first empty", () => {
    expect(pasteTarget("end", "start", ["start"])).toBe("end");
    expect(pasteTarget(null, "end", ["start"])).toBe("end");
    expect(pasteTarget(null, null, ["end"])).toBe("end");
    expect(pasteTarget(null, null, [])).toBe("start");
  });
});

describe("native drag-drop events", () => {
  let ipc: ReturnType<typeof installIpc>;

  beforeEach(() => {
    ipc = installIpc({
      drop_frame: (a) => frameView(a.slot as Slot),
    });
    document.body.innerHTML = `<div data-slot="start"></div><div data-slot="end"></div>`;
    for (const el of document.querySelectorAll<HTMLElement>("[data-slot]")) {
      const b = boxes[el.dataset.slot as Slot];
      el.getBoundingClientRect = () =>
        ({ ...b, x: b.left, y: b.top, width: 360, height: 70 }) as DOMRect;
    }
    Object.defineProperty(window, "devicePixelRatio", { value: 2, configurable: true });
  });
  afterEach(() => {
    clearMocks();
    document.body.innerHTML = "";
  });

  it("highlight the slot under the pointer, then fill it on drop", async () => {
    const frames = new FrameStore();
    const at = { x: 200, y: 800 }; // physical pixels, as WebView2 reports them at 200 %
    handleDragDrop(frames, { type: "enter", paths: ["/p/a.jpg"], position: at }, "windows");
    expect(frames.drag).toMatchObject({ active: true, over: "end", targets: ["end"] });
    handleDragDrop(frames, { type: "drop", paths: ["/p/a.jpg"], position: at }, "windows");
    expect(frames.drag.active).toBe(false);
    expect(frames.end.busy).toBe("preparing");
    await flush();
    expect(ipc.calls.filter((c) => c.cmd === "drop_frame").map((c) => c.args)).toEqual([
      { slot: "end", path: "/p/a.jpg" },
    ]);
    expect(frames.end.view?.slot).toBe("end");
    expect(frames.start.view).toBeNull();
  });

  it("land on the slot under the pointer on a Retina Mac and a scaled Linux screen", async () => {
    for (const on of ["macos", "linux"] as const) {
      const frames = new FrameStore();
      const at = { x: 100, y: 400 }; // points (WKWebView), GTK's logical pixels (WebKitGTK)
      handleDragDrop(frames, { type: "over", position: at }, on);
      expect(frames.drag.over, on).toBe("end");
      handleDragDrop(frames, { type: "drop", paths: [`/${on}.png`], position: at }, on);
    }
    await flush();
    expect(ipc.calls.filter((c) => c.cmd === "drop_frame").map((c) => c.args)).toEqual([
      { slot: "end", path: "/macos.png" },
      { slot: "end", path: "/linux.png" },
    ]);
  });

  it("send two dropped files to start and end", async () => {
    const frames = new FrameStore();
    handleDragDrop(frames, {
      type: "enter",
      paths: ["/a.png", "/b.png"],
      position: { x: 0, y: 0 },
    });
    expect(frames.drag.targets).toEqual(["start", "end"]);
    handleDragDrop(frames, { type: "drop", paths: ["/a.png", "/b.png"], position: { x: 0, y: 0 } });
    await flush();
    expect(ipc.calls.filter((c) => c.cmd === "drop_frame").map((c) => c.args)).toEqual([
      { slot: "start", path: "/a.png" },
      { slot: "end", path: "/b.png" },
    ]);
  });

  it("clear the highlight when the drag leaves", () => {
    const frames = new FrameStore();
    const at = { x: 200, y: 640 };
    handleDragDrop(frames, { type: "enter", paths: ["/a.png"], position: at }, "windows");
    expect(frames.drag.over).toBe("start");
    handleDragDrop(frames, { type: "leave" });
    expect(frames.drag).toEqual({ active: false, over: null, targets: [] });
  });

  it("make images dropped on the reference area references, three at most", async () => {
    const refs = document.createElement("div");
    refs.dataset.drop = "references";
    const box = { left: 20, top: 500, right: 380, bottom: 560 };
    refs.getBoundingClientRect = () =>
      ({ ...box, x: 20, y: 500, width: 360, height: 60 }) as DOMRect;
    document.body.append(refs);
    const views: unknown[] = [];
    ipc = installIpc({
      drop_reference: (a) => {
        views.push({ facts: { sha256: a.path }, thumbnail: "" });
        return [...views];
      },
    });
    options.references = [];
    const frames = new FrameStore();
    const at = { x: 100, y: 530 };
    const paths = ["/a.png", "/b.png", "/c.png", "/d.png"];
    handleDragDrop(frames, { type: "enter", paths, position: at }, "linux");
    expect(options.dragOver).toBe(true);
    handleDragDrop(frames, { type: "drop", paths, position: at }, "linux");
    expect(options.dragOver).toBe(false);
    await vi.waitFor(() => expect(options.references).toHaveLength(3));
    expect(ipc.calls.filter((c) => c.cmd === "drop_reference").map((c) => c.args.path)).toEqual([
      "/a.png",
      "/b.png",
      "/c.png",
    ]);
    expect(ipc.calls.some((c) => c.cmd === "drop_frame")).toBe(false);
  });
});

describe("pasting an image", () => {
  afterEach(() => {
    clearMocks();
    document.body.innerHTML = "";
  });

  function pasteEvent(types: string[], file: File | null) {
    let prevented = false;
    const event = {
      clipboardData: {
        types,
        items: file ? [{ kind: "file", type: file.type, getAsFile: () => file }] : [],
      },
      preventDefault: () => {
        prevented = true;
      },
    } as unknown as ClipboardEvent;
    return { event, prevented: () => prevented };
  }

  it("sends the image's bytes to the hovered slot", async () => {
    const ipc = installIpc({ paste_frame: () => frameView("end") });
    const frames = new FrameStore();
    frames.hovered = "end";
    // jsdom's Blob has no arrayBuffer(); WebKit's has.
    const file = Object.assign(new File([], "x.png", { type: "image/png" }), {
      arrayBuffer: async () => new Uint8Array([1, 2, 3]).buffer,
    });
    const { event, prevented } = pasteEvent(["Files"], file);
    await handlePaste(frames, event);
    expect(prevented()).toBe(true);
    const call = ipc.calls.find((c) => c.cmd === "paste_frame");
    expect(Array.from(call?.args as unknown as Uint8Array)).toEqual([1, 2, 3]);
    expect(frames.end.view).not.toBeNull();
  });

  it("leaves text pasted into the prompt alone", async () => {
    const ipc = installIpc();
    document.body.innerHTML = "<textarea></textarea>";
    document.querySelector("textarea")?.focus();
    const file = new File([new Uint8Array([1])], "x.png", { type: "image/png" });
    const { event, prevented } = pasteEvent(["text/plain", "Files"], file);
    await handlePaste(new FrameStore(), event);
    expect(prevented()).toBe(false);
    expect(ipc.calls).toHaveLength(0);
  });
});
