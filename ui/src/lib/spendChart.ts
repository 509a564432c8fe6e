// The Spend panel's picture of this month, as numbers the SVG draws: each day's spend as bars
// stacked by model, the month so far as a running total against the budget, and what unfinished
// batches still plan to spend as a projection from today. Two panels on one row of days, each
// with its own scale: a day's bars are small beside the month's total, and one scale would
// flatten them.

import type { SpendReport } from "./bindings/SpendReport";
import type { SpendRow } from "./bindings/SpendRow";
import { roundCents } from "./models";

export interface Segment {
  model: string;
  usd: number;
  /** Bottom and top in dollars, stacked in the order of `SpendChart.models`. */
  from: number;
  to: number;
}

export interface Day {
  /** 1-based day of the month. */
  day: number;
  /** `YYYY-MM-DD`. */
  date: string;
  usd: number;
  segments: Segment[];
  /** The month up to and including this day. */
  total: number;
}

export interface SpendChart {
  month: string;
  /** Every day of the month, spent or not. */
  days: Day[];
  /** The last day with a running total to draw (today, or the month's last day when past). */
  today: number;
  /** Models by what they cost this month, most first: the stacking order and the legend. */
  models: string[];
  /** The day panel's top, a round figure above the dearest day. */
  dayTop: number;
  /** The month panel's top, a round figure above the total, the budget and the projection. */
  totalTop: number;
  budget: number | null;
  /** The month's total after what unfinished batches still plan to spend; null without one. */
  projected: number | null;
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value` (1 for nothing). */
export function roundTop(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= value - 1e-9) return step * power;
  }
  return 10 * power;
}

function daysIn(month: string): number {
  const [year, m] = month.split("-").map(Number);
  return new Date(year, m, 0).getDate();
}

/** What is left of a batch's plan: the planned spend of rows not yet paid for. */
export function stillPlanned(
  batches: { state: string; plannedUsd: number; spentUsd: number }[],
): number {
  const left = batches
    .filter((b) => b.state === "running" || b.state === "paused")
    .reduce((sum, b) => sum + Math.max(0, b.plannedUsd - b.spentUsd), 0);
  return roundCents(left);
}

/**
 * This month's picture; `today` is the local date (`YYYY-MM-DD`), `planned` unfinished batches'
 * plan, `series` names the bar a ledger row stacks into (its model, unless told otherwise).
 */
export function spendChart(
  report: SpendReport,
  today: string,
  planned: number,
  series: (row: SpendRow) => string = (row) => row.model,
): SpendChart {
  const month = report.month;
  const count = daysIn(month);
  const last = today.startsWith(`${month}-`) ? Number(today.slice(8, 10)) : count;

  const byModel = new Map<string, number>();
  for (const row of report.days)
    byModel.set(series(row), (byModel.get(series(row)) ?? 0) + row.usd);
  const models = [...byModel.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([model]) => model);

  const days: Day[] = [];
  let total = 0;
  for (let day = 1; day <= count; day++) {
    const date = `${month}-${String(day).padStart(2, "0")}`;
    const rows = report.days.filter((r) => r.period === date);
    const segments: Segment[] = [];
    let usd = 0;
    for (const model of models) {
      const cost = rows.filter((r) => series(r) === model).reduce((s, r) => s + r.usd, 0);
      if (cost <= 0) continue;
      segments.push({ model, usd: roundCents(cost), from: usd, to: roundCents(usd + cost) });
      usd = roundCents(usd + cost);
    }
    total = roundCents(total + usd);
    days.push({ day, date, usd, segments, total });
  }

  const projected = planned > 0 ? roundCents(total + planned) : null;
  const budget = report.budgetUsd;
  return {
    month,
    days,
    today: last,
    models,
    dayTop: roundTop(Math.max(...days.map((d) => d.usd))),
    totalTop: roundTop(Math.max(total, budget ?? 0, projected ?? 0)),
    budget,
    projected,
  };
}
