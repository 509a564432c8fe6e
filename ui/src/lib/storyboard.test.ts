import { describe, expect, it } from "vitest";
import type { ShotRecord } from "./bindings/ShotRecord";
import { draftOf, draftsFromShots, shotState, spentOn } from "./storyboard.svelte";

function shot(over: Partial<ShotRecord> = {}): ShotRecord {
  return {
    id: "s1",
    storyboardId: "b",
    position: 2,
    chosen: null,
    outOfDate: false,
    jobs: [],
    takes: [],
    prompt: "a boat",
    startFrame: null,
    endFrame: null,
    model: "veo-3.1-fast",
    options: {},
    n: 2,
    continues: true,
    inMs: 500,
    outMs: null,
    ...over,
  };
}

const job = (state: ShotRecord["jobs"][number]["state"], delivered: number, price = 0.4) => ({
  jobId: `j-${state}`,
  state,
  n: 2,
  delivered,
  priceUsd: price,
  createdAt: 0,
});
const take = {
  videoId: "j-done-1",
  jobId: "j-done",
  index: 1,
  state: "saved" as const,
  poster: false,
};

describe("a shot's card", () => {
  it("reads its state from its record and its live generation", () => {
    expect(shotState(shot(), undefined)).toBe("empty");
    expect(shotState(shot(), { state: "sent", percent: 40, problem: null, problemZh: null })).toBe(
      "generating",
    );
    expect(shotState(shot({ jobs: [job("running", 0)] }), undefined)).toBe("generating");
    expect(shotState(shot({ jobs: [job("failed", 0)] }), undefined)).toBe("failed");
    expect(shotState(shot({ jobs: [job("done", 1)], takes: [take] }), undefined)).toBe("takes");
    const chosen = shot({ jobs: [job("done", 1)], takes: [take], chosen: take.videoId });
    expect(shotState(chosen, undefined)).toBe("chosen");
    expect(shotState({ ...chosen, outOfDate: true }, undefined)).toBe("outOfDate");
  });

  it("counts what its jobs cost: each delivered video at its job's price", () => {
    expect(spentOn(shot())).toBe(0);
    expect(spentOn(shot({ jobs: [job("done", 2, 0.4), job("partial", 1, 0.15)] }))).toBeCloseTo(
      0.95,
    );
  });

  it("gives back the draft it was made from", () => {
    expect(draftOf(shot())).toEqual({
      prompt: "a boat",
      startFrame: null,
      endFrame: null,
      model: "veo-3.1-fast",
      options: {},
      n: 2,
      continues: true,
      inMs: 500,
      outMs: null,
    });
  });
});

describe("prompt help's shots as a storyboard", () => {
  it("continues a shot only from the shot just before it", () => {
    const drafts = draftsFromShots(
      [
        { prompt: " a gutter ", continuesFrom: null },
        { prompt: "a river", continuesFrom: 0 },
        { prompt: "a lighthouse", continuesFrom: null },
        { prompt: "the sea", continuesFrom: 1 },
      ],
      "veo-3.1-fast",
      2,
    );
    expect(drafts.map((d) => [d.prompt, d.continues])).toEqual([
      ["a gutter", false],
      ["a river", true],
      ["a lighthouse", false],
      ["the sea", false],
    ]);
    expect(drafts.every((d) => d.model === "veo-3.1-fast" && d.n === 2)).toBe(true);
  });
});
