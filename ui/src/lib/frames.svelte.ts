// The two frame slots as the UI sees them. Rust holds the prepared images; this store mirrors
// what each slot holds, whether it is busy, and the last refusal. A refused file changes nothing
// else: the slot keeps (and Rust still holds) its previous image, with the error shown on top.

import { api, errorReport } from "./api";
import type { Advice } from "./bindings/Advice";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { FrameView } from "./bindings/FrameView";
import type { Slot } from "./bindings/Slot";
import type { Orientation } from "./models";

export type Busy = "preparing" | "browsing" | null;

export interface SlotState {
  view: FrameView | null;
  busy: Busy;
  error: ErrorReport | null;
}

export const SLOTS: readonly Slot[] = ["start", "end"];

export interface DragState {
  active: boolean;
  /** The slot under the pointer. */
  over: Slot | null;
  /** The slots the drop would fill, in order. */
  targets: Slot[];
}

export class FrameStore {
  slots: Record<Slot, SlotState> = $state({
    start: { view: null, busy: null, error: null },
    end: { view: null, busy: null, error: null },
  });
  drag: DragState = $state({ active: false, over: null, targets: [] });
  /** The slot the pointer is over, for pasting. */
  hovered: Slot | null = $state(null);
  /** Called when the start slot gets a new image (to suggest an orientation). */
  onStartFilled: ((view: FrameView) => void) | null = null;
  /**
   * What each slot should say about its frame's shape against the video's and about the pair,
   * as Rust computes it for the chosen orientation (`frame_advice`).
   */
  advice: Advice = $state({ start: [], end: [] });
  #advised = 0;

  #seq: Record<Slot, number> = { start: 0, end: 0 };

  get start(): SlotState {
    return this.slots.start;
  }
  get end(): SlotState {
    return this.slots.end;
  }

  /** Which slots are free, start first. */
  get empty(): Slot[] {
    return SLOTS.filter((s) => !this.slots[s].view && !this.slots[s].busy);
  }

  get busy(): boolean {
    return SLOTS.some((s) => this.slots[s].busy !== null);
  }

  async #fill(slot: Slot, busy: Busy, run: () => Promise<FrameView | null>): Promise<void> {
    const seq = ++this.#seq[slot];
    const state = this.slots[slot];
    state.busy = busy;
    try {
      const view = await run();
      if (seq !== this.#seq[slot]) return; // a newer preparation for this slot wins
      state.busy = null;
      if (view) {
        state.view = view;
        state.error = null;
        if (slot === "start") this.onStartFilled?.(view);
      }
    } catch (e) {
      if (seq !== this.#seq[slot]) return;
      state.busy = null;
      state.error = errorReport(e);
    }
  }

  dropPath(slot: Slot, path: string): Promise<void> {
    return this.#fill(slot, "preparing", () => api.dropFrame(slot, path));
  }

  /** Images opened with Framecast: the first becomes the start frame, a second the end frame. */
  async open(paths: string[]): Promise<void> {
    await Promise.all(paths.slice(0, SLOTS.length).map((path, i) => this.dropPath(SLOTS[i], path)));
  }

  browse(slot: Slot): Promise<void> {
    return this.#fill(slot, "browsing", () => api.browseFrame(slot));
  }

  paste(slot: Slot, bytes: Uint8Array): Promise<void> {
    return this.#fill(slot, "preparing", () => api.pasteFrame(slot, bytes));
  }

  /** A frame of a paused video (a PNG at its full size), taken `atMs` into video `video`. */
  fromVideo(slot: Slot, video: string, atMs: number, png: Uint8Array): Promise<void> {
    return this.#fill(slot, "preparing", () => api.frameFromVideo(slot, video, atMs, png));
  }

  /** What Rust put in the slots for "Reuse" (a slot it cleared is empty). */
  took(views: [FrameView | null, FrameView | null]): void {
    SLOTS.forEach((slot, i) => {
      this.#seq[slot]++;
      const state = this.slots[slot];
      state.busy = null;
      state.error = null;
      state.view = views[i];
    });
    if (views[0]) this.onStartFilled?.(views[0]);
  }

  async clear(slot: Slot): Promise<void> {
    this.#seq[slot]++;
    const state = this.slots[slot];
    state.busy = null;
    state.error = null;
    if (!state.view) return;
    try {
      await api.clearFrame(slot);
      state.view = null;
    } catch (e) {
      state.error = errorReport(e);
    }
  }

  /**
   * Asks Rust what the slots should say for `orientation`; the newest answer wins. Called
   * whenever the frames or the orientation change.
   */
  async advise(orientation: Orientation): Promise<void> {
    const asked = ++this.#advised;
    try {
      const advice = await api.frameAdvice(orientation);
      if (asked === this.#advised) this.advice = advice;
    } catch {
      // Advice is a courtesy: the slots keep what they said.
    }
  }

  /** Forgets a refusal; the slot shows what it still holds. */
  dismiss(slot: Slot): void {
    this.slots[slot].error = null;
  }

  async swap(): Promise<void> {
    if (this.busy) return;
    try {
      const [start, end] = await api.swapFrames();
      const errors = [this.slots.start.error, this.slots.end.error];
      this.slots.start.view = start ? { ...start, slot: "start" } : null;
      this.slots.end.view = end ? { ...end, slot: "end" } : null;
      this.slots.start.error = errors[1];
      this.slots.end.error = errors[0];
      if (start) this.onStartFilled?.(start);
    } catch (e) {
      this.slots.start.error = errorReport(e);
    }
  }
}

export const frames = new FrameStore();
