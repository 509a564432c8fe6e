// The storyboard's sequence as the player sees it: each shot's chosen take, cut to its in and out
// points, laid end to end. Pure functions over plain values, so the timing is tested without a
// video element: which shot plays at a time, where in its take, and how long the whole runs.

import type { ShotRecord } from "./bindings/ShotRecord";

/** One shot's part of the sequence. */
export interface Segment {
  shotId: string;
  /** The chosen take (`<job id>-<index>`). */
  videoId: string;
  /** From 0, in the sequence's order of the shots that have a take. */
  index: number;
  /** The shot's position in the storyboard, from 1. */
  position: number;
  /** Seconds on the take's own clock where the shot begins and ends. */
  inS: number;
  outS: number;
  /** Seconds into the sequence where the shot begins. */
  start: number;
}

/** How long a take is assumed to be before its metadata has loaded: its asked-for length, else
 * Veo's default. */
export const DEFAULT_SECONDS = 8;

/**
 * The sequence of `shots` (in order): every shot whose chosen take is saved, cut to its in and
 * out points. `durations` holds each take's length in seconds once known; until then a take is
 * as long as its shot asked for.
 */
export function segments(shots: ShotRecord[], durations: Record<string, number>): Segment[] {
  const out: Segment[] = [];
  let start = 0;
  for (const shot of shots) {
    const take = shot.takes.find((t) => t.videoId === shot.chosen);
    if (take?.state !== "saved") continue;
    const length = durations[take.videoId] ?? shot.options.duration ?? DEFAULT_SECONDS;
    const inS = Math.min(Math.max(0, (shot.inMs ?? 0) / 1000), length);
    const outS = Math.max(inS, Math.min(length, shot.outMs == null ? length : shot.outMs / 1000));
    out.push({
      shotId: shot.id,
      videoId: take.videoId,
      index: out.length,
      position: shot.position,
      inS,
      outS,
      start,
    });
    start += outS - inS;
  }
  return out;
}

/** How long the whole sequence runs, in seconds. */
export function total(segs: Segment[]): number {
  const last = segs.at(-1);
  return last ? last.start + (last.outS - last.inS) : 0;
}

/**
 * Which segment plays at `t` seconds into the sequence, and where in its take (seconds on the
 * take's clock). A time at a cut belongs to the shot that starts there; before the start is the
 * first shot's start, past the end the last shot's end. `null` for an empty sequence.
 */
export function at(segs: Segment[], t: number): { segment: Segment; takeTime: number } | null {
  if (segs.length === 0) return null;
  const clamped = Math.min(Math.max(0, t), total(segs));
  let found = segs[0];
  for (const s of segs) {
    if (s.start <= clamped && s.outS > s.inS) found = s;
    else if (s.start > clamped) break;
  }
  const takeTime = Math.min(found.outS, found.inS + (clamped - found.start));
  return { segment: found, takeTime };
}

/** The sequence time of `takeTime` seconds into `segment`'s take. */
export function sequenceTime(segment: Segment, takeTime: number): number {
  return segment.start + Math.min(Math.max(0, takeTime - segment.inS), segment.outS - segment.inS);
}

/** Moves the item at `from` to `to` (both indexes of the result's order). */
export function moved<T>(items: readonly T[], from: number, to: number): T[] {
  const out = items.slice();
  const [item] = out.splice(from, 1);
  if (item === undefined) return out;
  out.splice(Math.min(Math.max(0, to), out.length), 0, item);
  return out;
}

/** Where a dragged card lands: the index it takes among the cards whose horizontal middles are
 * `middles`, for a pointer at `x`, the card having come from `from`. */
export function dropIndex(middles: readonly number[], x: number, from: number): number {
  let before = middles.findIndex((m) => x < m);
  if (before === -1) before = middles.length;
  return before > from ? before - 1 : before;
}
