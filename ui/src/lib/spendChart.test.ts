import { describe, expect, it } from "vitest";
import type { SpendReport } from "./bindings/SpendReport";
import type { SpendRow } from "./bindings/SpendRow";
import { roundTop, spendChart, stillPlanned } from "./spendChart";

const day = (period: string, model: string, usd: number): SpendRow => ({
  kind: "video",
  period,
  model,
  jobs: 1,
  videos: 1,
  tokens: 0,
  usd,
  unpriced: 0,
});

const report = (days: SpendRow[], budgetUsd: number | null = null): SpendReport => ({
  month: "2026-02",
  monthUsd: days.reduce((s, r) => s + r.usd, 0),
  budgetUsd,
  months: [],
  days,
});

describe("the spend chart", () => {
  it("has every day of the month, the days spent stacked by model, dearest model first", () => {
    const chart = spendChart(
      report([
        day("2026-02-03", "veo-3.1-fast", 0.3),
        day("2026-02-03", "veo-3.1", 0.8),
        day("2026-02-10", "veo-3.1", 1.6),
      ]),
      "2026-02-12",
      0,
    );
    expect(chart.days).toHaveLength(28);
    expect(chart.models).toEqual(["veo-3.1", "veo-3.1-fast"]);
    const third = chart.days[2];
    expect(third.usd).toBe(1.1);
    expect(third.segments).toEqual([
      { model: "veo-3.1", usd: 0.8, from: 0, to: 0.8 },
      { model: "veo-3.1-fast", usd: 0.3, from: 0.8, to: 1.1 },
    ]);
    expect(chart.days[9].total).toBe(2.7);
    expect(chart.days[1].segments).toEqual([]);
    expect(chart.today).toBe(12);
    expect(chart.dayTop).toBe(2);
  });

  it("scales the month to the budget or the projection, whichever is higher", () => {
    const spent = report([day("2026-02-01", "veo-3.1", 4)], 30);
    expect(spendChart(spent, "2026-02-05", 0).totalTop).toBe(50);
    const projected = spendChart(spent, "2026-02-05", 60);
    expect(projected.projected).toBe(64);
    expect(projected.totalTop).toBe(100);
    expect(spendChart(spent, "2026-02-05", 0).projected).toBeNull();
  });

  it("stacks rows into the series it is told", () => {
    const help: SpendRow = { ...day("2026-02-03", "gpt-4o-mini", 0.01), kind: "promptHelp" };
    const chart = spendChart(
      report([day("2026-02-03", "veo-3.1", 0.8), help]),
      "2026-02-04",
      0,
      (r) => (r.kind === "promptHelp" ? "Prompt help" : r.model),
    );
    expect(chart.models).toEqual(["veo-3.1", "Prompt help"]);
    expect(chart.days[2].usd).toBe(0.81);
  });

  it("runs the total to the month's end once the month is past", () => {
    expect(spendChart(report([]), "2026-03-01", 0).today).toBe(28);
  });

  it("projects only what unfinished batches have not yet spent", () => {
    expect(
      stillPlanned([
        { state: "running", plannedUsd: 3.2, spentUsd: 1.2 },
        { state: "paused", plannedUsd: 1, spentUsd: 0 },
        { state: "done", plannedUsd: 9, spentUsd: 2 },
        { state: "cancelled", plannedUsd: 9, spentUsd: 0 },
        { state: "running", plannedUsd: 1, spentUsd: 1.5 },
      ]),
    ).toBe(3);
  });

  it("rounds a scale's top up to 1, 2 or 5 of a power of ten", () => {
    expect([0, 0.03, 0.8, 1, 1.2, 3, 7, 12, 450].map(roundTop)).toEqual([
      1, 0.05, 1, 1, 2, 5, 10, 20, 500,
    ]);
  });
});
