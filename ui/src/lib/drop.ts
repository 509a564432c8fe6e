// Where dropped or pasted images go. Pure functions over positions and slot boxes, so they can be
// tested without a window.

import type { Slot } from "./bindings/Slot";
import type { Os } from "./platform";

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * A drag-drop event's position (Tauri's drag-drop events) in CSS pixels. Tauri calls every one
 * physical, but each webview reports its own unit: WebView2 physical pixels (divided by the
 * device pixel ratio here), WKWebView points and WebKitGTK GTK's logical pixels, which are CSS
 * pixels already. On a Retina Mac, dividing put a drop on the End slot onto the Start slot.
 */
export function dropPointToCss(position: Point, devicePixelRatio: number, os: Os): Point {
  const r = os === "windows" && devicePixelRatio > 0 ? devicePixelRatio : 1;
  return { x: position.x / r, y: position.y / r };
}

/** The slot whose box contains the point, if any. */
export function slotAt(point: Point, boxes: Partial<Record<Slot, Box>>): Slot | null {
  for (const slot of ["start", "end"] as const) {
    if (inside(point, boxes[slot])) return slot;
  }
  return null;
}

/** Whether `point` falls in `box` (edges included). */
export function inside(point: Point, box: Box | null | undefined): boolean {
  return (
    box != null &&
    point.x >= box.left &&
    point.x <= box.right &&
    point.y >= box.top &&
    point.y <= box.bottom
  );
}

/**
 * The slots `count` dropped files fill: two or more fill start then end; one fills the slot it was
 * dropped on, else the first empty slot (start first), else the start slot.
 */
export function dropTargets(count: number, over: Slot | null, empty: readonly Slot[]): Slot[] {
  if (count <= 0) return [];
  if (count >= 2) return ["start", "end"];
  if (over) return [over];
  return [empty[0] ?? "start"];
}

/** Pairs each target slot with its file, in order. */
export function planDrop(
  paths: readonly string[],
  over: Slot | null,
  empty: readonly Slot[],
): { slot: Slot; path: string }[] {
  return dropTargets(paths.length, over, empty).map((slot, i) => ({ slot, path: paths[i] }));
}

/**
 * Where a pasted image goes: the slot with keyboard focus, else the one under the pointer, else the
 * first empty slot, else start.
 */
export function pasteTarget(
  focused: Slot | null,
  hovered: Slot | null,
  empty: readonly Slot[],
): Slot {
  return focused ?? hovered ?? empty[0] ?? "start";
}
