import { describe, expect, it } from "vitest";
import { Sync } from "./compare";
import { CAPTION, GAP, layout, move, OVERSCAN, ring, visible } from "./grid";
import { formatMoment, shortPrompt } from "./i18n";
import { overBudget } from "./spend.svelte";

describe("the library grid's geometry", () => {
  it("fits as many columns as tiles of the minimum width, and sizes rows to 16:9 posters", () => {
    const l = layout(1000);
    expect(l.columns).toBe(4); // 4 × 200 + 3 × 14 = 842 ≤ 1000; 5 would need 1056
    expect(l.tile).toBeCloseTo((1000 - 3 * GAP) / 4);
    expect(l.row).toBe(Math.round((l.tile * 9) / 16 + CAPTION + GAP));
    expect(layout(150).columns).toBe(1);
    expect(layout(0).columns).toBe(1);
  });

  it("renders only the rows in view, with a few around them, at any scroll position", () => {
    const l = { columns: 4, tile: 200, row: 100 };
    // 600 px of 100 px rows, two rows of overscan each side and one for a row cut in two; at
    // the top there is nothing above, and the rows not needed there are not rendered below.
    const top = visible(40_000, l, 0, 600, 2);
    expect([top.first, top.last, top.start, top.end]).toEqual([0, 8, 0, 36]);
    expect(top.height).toBe(10_000 * 100);
    const deep = visible(40_000, l, 500_050, 600, 2);
    expect([deep.first, deep.last]).toEqual([4998, 5008]);
    expect(deep.end - deep.start).toBe(44);
    const end = visible(40_001, l, 10_000 * 100, 600, 2);
    expect(end.last).toBe(10_000); // the last, partial row
    expect(end.end).toBe(40_001);
    expect(visible(0, l, 0, 600)).toMatchObject({ first: 0, last: -1, start: 0, end: 0 });
  });

  it("renders as many rows at every scroll position, keyed by a ring slot no two rows share", () => {
    for (const l of [layout(1000), layout(420), { columns: 3, tile: 200, row: 137 }]) {
      for (const viewport of [1, 300, 853, 2000]) {
        const slots = ring(l.row, viewport);
        for (let top = 0; top < 40 * l.row; top += 17) {
          const w = visible(1_000, l, top, viewport);
          const keys = Array.from(
            { length: w.last - w.first + 1 },
            (_, i) => (w.first + i) % slots,
          );
          // No slot twice; away from the top every slot in use: a row scrolled out hands its slot
          // to the one coming in. Within the overscan of the top, the rows above are missing.
          expect(new Set(keys).size).toBe(keys.length);
          const above = Math.min(OVERSCAN, Math.floor(top / l.row));
          expect(keys.length).toBe(slots - (OVERSCAN - above));
        }
      }
    }
  });

  it("moves keyboard focus by tiles, rows and pages, and stays inside the grid", () => {
    expect(move(0, "ArrowRight", 10, 4, 2)).toBe(1);
    expect(move(5, "ArrowDown", 10, 4, 2)).toBe(9);
    expect(move(9, "ArrowDown", 10, 4, 2)).toBe(9);
    expect(move(7, "ArrowDown", 10, 4, 2)).toBe(9);
    expect(move(2, "ArrowUp", 10, 4, 2)).toBe(2);
    expect(move(6, "ArrowUp", 10, 4, 2)).toBe(2);
    expect(move(0, "ArrowLeft", 10, 4, 2)).toBe(0);
    expect(move(9, "ArrowRight", 10, 4, 2)).toBe(9);
    expect(move(1, "PageDown", 100, 4, 3)).toBe(13);
    expect(move(50, "End", 100, 4, 3)).toBe(99);
    expect(move(50, "Home", 100, 4, 3)).toBe(0);
    expect(move(3, "x", 100, 4, 3)).toBe(3);
    expect(move(0, "ArrowRight", 0, 4, 3)).toBe(-1);
  });
});

/** A media element as far as the compare view drives it. */
class FakeVideo {
  currentTime = 0;
  paused = true;
  seeking = false;
  constructor(readonly duration: number) {}
  play() {
    this.paused = false;
    return Promise.resolve();
  }
  pause() {
    this.paused = true;
  }
}

describe("takes compared in step", () => {
  it("plays, pauses, seeks and steps every take together, the followers kept to the leader", async () => {
    const takes = [new FakeVideo(8), new FakeVideo(8), new FakeVideo(7.5)];
    const sync = new Sync();
    sync.set(takes);
    expect(sync.duration).toBe(7.5);
    takes[1].currentTime = 3; // a take the person scrubbed alone
    await sync.play();
    expect(takes.every((t) => !t.paused)).toBe(true);
    expect(takes[1].currentTime).toBe(0); // playing starts in step
    expect(sync.playing).toBe(true);

    // While playing, a follower that drifts more than a frame is put back; a small lag is not.
    takes[0].currentTime = 2.0;
    takes[1].currentTime = 2.03;
    takes[2].currentTime = 2.5;
    sync.align();
    expect(takes[1].currentTime).toBe(2.03);
    expect(takes[2].currentTime).toBe(2.0);

    sync.pause();
    expect(takes.every((t) => t.paused)).toBe(true);
    expect(takes.map((t) => t.currentTime)).toEqual([2, 2, 2]);

    sync.seek(9);
    expect(takes.map((t) => t.currentTime)).toEqual([7.5, 7.5, 7.5]); // inside every take
    sync.seek(1);
    sync.step(1);
    expect(takes[2].currentTime).toBeCloseTo(1 + 1 / 24);
    sync.step(-2);
    expect(takes[0].currentTime).toBeCloseTo(1 - 1 / 24);
    await sync.toggle();
    expect(sync.playing).toBe(true);
    await sync.toggle();
    expect(sync.playing).toBe(false);
  });

  it("leaves a follower that is still seeking alone, and stops where the shortest take ends", async () => {
    const takes = [new FakeVideo(8), new FakeVideo(6)];
    const sync = new Sync();
    sync.set(takes);
    await sync.play();
    takes[0].currentTime = 3;
    takes[1].currentTime = 2;
    takes[1].seeking = true; // on its way to where it was sent
    sync.align();
    expect(takes[1].currentTime).toBe(2);
    takes[1].seeking = false;
    sync.align();
    expect(takes[1].currentTime).toBe(3);

    takes[0].currentTime = 6.01;
    sync.align();
    expect(takes.every((t) => t.paused)).toBe(true);
    expect(sync.playing).toBe(false);
  });
});

describe("the monthly budget", () => {
  const report = (monthUsd: number, budgetUsd: number | null) => ({
    month: "2026-11",
    monthUsd,
    budgetUsd,
    months: [],
    days: [],
  });
  it("warns only when the new job (with what runs) would take the month over the budget", () => {
    expect(overBudget(null, 0, 5)).toBeNull();
    expect(overBudget(report(40, null), 0, 100)).toBeNull();
    expect(overBudget(report(40, 50), 0, 10)).toBeNull(); // exactly at the budget is within it
    expect(overBudget(report(40, 50), 0, 10.01)).toEqual({ budget: 50, after: 50.01 });
    expect(overBudget(report(40, 50), 9.5, 0.6)).toEqual({ budget: 50, after: 50.1 });
  });
});

describe("labels of frames taken from videos", () => {
  it("says where in a video, and cuts long prompts", () => {
    expect(formatMoment(3200)).toBe("0:03.2");
    expect(formatMoment(64_040)).toBe("1:04.0");
    expect(formatMoment(0)).toBe("0:00.0");
    expect(shortPrompt("a  paper\nboat", 40)).toBe("a paper boat");
    expect(shortPrompt("画只猪在天上飞，然后落在海面上", 6)).toBe("画只猪在天…");
  });
});

describe("the poster queue", () => {
  it("captures one poster at a time, tries a failure once more, and drops what scrolled away", async () => {
    const { PosterQueue } = await import("./capture");
    let running = 0;
    let most = 0;
    const fails = new Map([["b", 1]]);
    const stored: string[] = [];
    const queue = new PosterQueue(
      async (url) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        const left = fails.get(url) ?? 0;
        if (left > 0) {
          fails.set(url, left - 1);
          throw new Error("no picture yet");
        }
        return new Uint8Array([0xff, 0xd8, 0xff]);
      },
      async (id) => {
        stored.push(id);
      },
    );
    const done: string[] = [];
    for (const id of ["a", "b", "c", "d"]) queue.want(id, id, () => done.push(id));
    queue.want("a", "a"); // asked twice: captured once
    queue.only(new Set(["a", "b", "c"])); // d scrolled away before its turn
    await new Promise((r) => setTimeout(r, 80));
    expect(most).toBe(1);
    expect(stored).toEqual(["a", "c", "b"]); // b failed once and went to the back
    expect(done).toEqual(["a", "c", "b"]);
    queue.want("a", "a");
    await new Promise((r) => setTimeout(r, 20));
    expect(stored).toHaveLength(3);
  });
});
