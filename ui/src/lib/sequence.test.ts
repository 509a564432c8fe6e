import { describe, expect, it } from "vitest";
import type { ShotRecord } from "./bindings/ShotRecord";
import { at, DEFAULT_SECONDS, dropIndex, moved, segments, sequenceTime, total } from "./sequence";

function shot(
  position: number,
  chosen: string | null,
  cut: { inMs?: number; outMs?: number; duration?: number; state?: "saved" | "downloading" } = {},
): ShotRecord {
  return {
    id: `shot-${position}`,
    storyboardId: "board",
    position,
    chosen,
    outOfDate: false,
    jobs: [],
    takes: chosen
      ? [{ videoId: chosen, jobId: "job", index: 1, state: cut.state ?? "saved", poster: false }]
      : [],
    prompt: `shot ${position}`,
    startFrame: null,
    endFrame: null,
    model: "veo-3.1-fast",
    options: cut.duration ? { duration: cut.duration } : {},
    n: 1,
    continues: position > 1,
    inMs: cut.inMs ?? null,
    outMs: cut.outMs ?? null,
  };
}

describe("the sequence", () => {
  const shots = [
    shot(1, "a-1"),
    shot(2, null),
    shot(3, "c-1", { inMs: 1000, outMs: 3000 }),
    shot(4, "d-1", { inMs: 2500 }),
  ];
  const durations = { "a-1": 4, "c-1": 8, "d-1": 6 };

  it("lays the chosen takes end to end, cut, leaving out shots without one", () => {
    const segs = segments(shots, durations);
    expect(segs.map((s) => [s.position, s.inS, s.outS, s.start])).toEqual([
      [1, 0, 4, 0],
      [3, 1, 3, 4],
      [4, 2.5, 6, 6],
    ]);
    expect(total(segs)).toBeCloseTo(9.5);
  });

  it("says which shot plays at a time, and where in its take", () => {
    const segs = segments(shots, durations);
    const where = (t: number) => {
      const found = at(segs, t);
      return found && [found.segment.position, Number(found.takeTime.toFixed(3))];
    };
    expect(where(0)).toEqual([1, 0]);
    expect(where(3.999)).toEqual([1, 3.999]);
    // A cut belongs to the shot that starts there.
    expect(where(4)).toEqual([3, 1]);
    expect(where(5.5)).toEqual([3, 2.5]);
    expect(where(6)).toEqual([4, 2.5]);
    expect(where(9.5)).toEqual([4, 6]);
    // Outside the sequence: its ends.
    expect(where(-3)).toEqual([1, 0]);
    expect(where(60)).toEqual([4, 6]);
    expect(at([], 1)).toBeNull();
    expect(sequenceTime(segs[1], 2)).toBeCloseTo(5);
    expect(sequenceTime(segs[2], 100)).toBeCloseTo(9.5);
  });

  it("assumes a take's asked-for length until its own is known", () => {
    const segs = segments([shot(1, "a-1", { duration: 6 }), shot(2, "b-1")], {});
    expect(segs.map((s) => s.outS)).toEqual([6, DEFAULT_SECONDS]);
    expect(total(segs)).toBe(6 + DEFAULT_SECONDS);
  });

  it("keeps cuts inside the take and leaves out takes not saved", () => {
    const segs = segments(
      [shot(1, "a-1", { inMs: 9000, outMs: 12000 }), shot(2, "b-1", { state: "downloading" })],
      { "a-1": 4 },
    );
    expect(segs).toHaveLength(1);
    expect([segs[0].inS, segs[0].outS]).toEqual([4, 4]);
    expect(total(segs)).toBe(0);
    expect(at(segs, 0)?.segment.position).toBe(1);
  });
});

describe("reordering", () => {
  it("moves an item", () => {
    expect(moved(["a", "b", "c", "d"], 3, 0)).toEqual(["d", "a", "b", "c"]);
    expect(moved(["a", "b", "c", "d"], 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moved(["a", "b"], 0, 9)).toEqual(["b", "a"]);
    expect(moved(["a", "b"], 5, 0)).toEqual(["a", "b"]);
  });

  it("finds where a dragged card lands", () => {
    const middles = [50, 150, 250, 350];
    expect(dropIndex(middles, 10, 2)).toBe(0);
    expect(dropIndex(middles, 200, 0)).toBe(1);
    expect(dropIndex(middles, 400, 0)).toBe(3);
    expect(dropIndex(middles, 260, 2)).toBe(2);
    expect(dropIndex(middles, 240, 2)).toBe(2);
    expect(dropIndex(middles, 140, 2)).toBe(1);
  });
});
