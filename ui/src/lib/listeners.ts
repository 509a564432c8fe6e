// The window-level listeners: Tauri's native drag-drop (files from the file manager), the
// clipboard's paste and images opened with Framecast, which route images to the frame slots
// through the frame store (or, dropped on the Options row's reference images, to those); and
// Rust's question when the window is closed while work runs.

import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { api } from "./api";
import { app } from "./app.svelte";
import { BATCH_FILE, batches } from "./batch.svelte";
import type { Busy } from "./bindings/Busy";
import type { Slot } from "./bindings/Slot";
import { type Box, dropPointToCss, inside, pasteTarget, planDrop, slotAt } from "./drop";
import type { FrameStore } from "./frames.svelte";
import { options } from "./options.svelte";
import { type Os, os } from "./platform";
import { settings } from "./settings.svelte";
import { toasts } from "./toasts.svelte";

/** The slot elements, for hit-testing drops; each carries `data-slot`. */
function slotBoxes(): Partial<Record<Slot, Box>> {
  const boxes: Partial<Record<Slot, Box>> = {};
  for (const el of document.querySelectorAll<HTMLElement>("[data-slot]")) {
    const slot = el.dataset.slot as Slot;
    const r = el.getBoundingClientRect();
    boxes[slot] = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  }
  return boxes;
}

/** The Options row's reference images, when shown: drops there become references. */
function referenceBox(): Box | null {
  const el = document.querySelector<HTMLElement>("[data-drop='references']");
  return el ? el.getBoundingClientRect() : null;
}

/** References take at most three images, added one after another. */
async function addReferences(paths: string[]): Promise<void> {
  for (const path of paths.slice(0, Math.max(0, 3 - options.references.length))) {
    await options.dropReference(path);
  }
}

interface DragDropPayload {
  type: "enter" | "over" | "drop" | "leave";
  paths?: string[];
  position?: { x: number; y: number };
}

/** How many files the current drag carries (only `enter` says). */
let dragCount = 1;

/** Handles one drag-drop event (exported for tests, which name the OS). */
export function handleDragDrop(frames: FrameStore, payload: DragDropPayload, on: Os = os): void {
  if (payload.type === "leave") {
    options.dragOver = false;
    frames.drag.active = false;
    frames.drag.over = null;
    frames.drag.targets = [];
    return;
  }
  const point = payload.position
    ? dropPointToCss(payload.position, window.devicePixelRatio || 1, on)
    : { x: -1, y: -1 };
  const over = slotAt(point, slotBoxes());
  const onReferences = inside(point, referenceBox());
  if (payload.type === "enter" || payload.type === "over") {
    options.dragOver = onReferences;
    if (payload.type === "enter") dragCount = payload.paths?.length ?? 1;
    frames.drag.active = true;
    frames.drag.over = over;
    frames.drag.targets = planDrop(
      Array.from({ length: dragCount }, () => ""),
      over,
      frames.empty,
    ).map((p) => p.slot);
    return;
  }
  // drop
  options.dragOver = false;
  frames.drag.active = false;
  frames.drag.over = null;
  frames.drag.targets = [];
  // A batch file goes to the Batch view, with the form's settings as its rows' defaults.
  const batchFile = payload.paths?.find((p) => BATCH_FILE.test(p));
  if (batchFile) {
    app.view = "batch";
    const defaults = { model: app.model, count: settings.count };
    void batches.planFile(batchFile, defaults).catch((e: unknown) => toasts.error(e));
    return;
  }
  if (onReferences) {
    void addReferences(payload.paths ?? []);
    return;
  }
  for (const { slot, path } of planDrop(payload.paths ?? [], over, frames.empty)) {
    void frames.dropPath(slot, path);
  }
}

/** Inside Tauri (not a plain browser, as in the preview). */
function inTauri(): boolean {
  const internals = (window as { __TAURI_INTERNALS__?: { metadata?: unknown } })
    .__TAURI_INTERNALS__;
  return Boolean(internals?.metadata);
}

/** Listens for native drag-drop; resolves with the function that stops listening. */
export async function listenForDrops(frames: FrameStore): Promise<() => void> {
  if (!inTauri()) return () => {};
  const unlisten = await getCurrentWebview().onDragDropEvent((event) => {
    handleDragDrop(frames, event.payload as DragDropPayload);
  });
  return unlisten;
}

function focusedSlot(): Slot | null {
  const el = document.activeElement?.closest<HTMLElement>("[data-slot]");
  return (el?.dataset.slot as Slot | undefined) ?? null;
}

function isTextField(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement) return true;
  if (el instanceof HTMLInputElement) return !["button", "checkbox", "radio"].includes(el.type);
  return (el as HTMLElement).isContentEditable === true;
}

/** Handles one paste (exported for tests): an image goes to a slot; text is left alone. */
export async function handlePaste(frames: FrameStore, event: ClipboardEvent): Promise<void> {
  const data = event.clipboardData;
  if (!data) return;
  const hasText = Array.from(data.types).includes("text/plain");
  // Pasting text into the prompt or the model name stays text.
  if (hasText && isTextField(document.activeElement)) return;
  const item = Array.from(data.items).find((i) => i.kind === "file" && i.type.startsWith("image/"));
  const file = item?.getAsFile();
  if (!file) return;
  event.preventDefault();
  const slot = pasteTarget(focusedSlot(), frames.hovered, frames.empty);
  const bytes = new Uint8Array(await file.arrayBuffer());
  await frames.paste(slot, bytes);
}

export function listenForPastes(frames: FrameStore): () => void {
  const onPaste = (e: ClipboardEvent) => void handlePaste(frames, e);
  window.addEventListener("paste", onPaste);
  return () => window.removeEventListener("paste", onPaste);
}

/** Listens for Rust's "quit while work runs?" question; resolves with the unlisten function. */
export async function listenForQuit(ask: (busy: Busy) => void): Promise<() => void> {
  if (!inTauri()) return () => {};
  return listen<Busy>("quit-requested", (event) => ask(event.payload));
}

/** Listens for Rust asking to show a job's card (a click on its notification). */
export async function listenForFocus(show: (job: string) => void): Promise<() => void> {
  if (!inTauri()) return () => {};
  return listen<string>("focus-job", (event) => show(event.payload));
}

/** Takes the images waiting in Rust ("Open with Framecast") into the slots (exported for tests). */
export async function takeOpenedFiles(frames: FrameStore): Promise<void> {
  const paths = await api.openedFiles();
  await frames.open(paths);
}

/**
 * Fills the slots with the images Framecast was started with, and with those a second
 * `framecast IMAGE…` hands over later (Rust says so with `open-files`); resolves with the
 * unlisten function. Listening starts first, so no hand-over falls between the two.
 */
export async function listenForOpenedFiles(
  frames: FrameStore,
  failed: (e: unknown) => void,
): Promise<() => void> {
  if (!inTauri()) return () => {};
  const take = () => takeOpenedFiles(frames).catch(failed);
  const unlisten = await listen("open-files", () => void take());
  await take();
  return unlisten;
}
