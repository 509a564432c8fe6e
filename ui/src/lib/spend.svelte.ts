// What was spent (the library's ledger, by month, day and model) and the monthly budget. Before a
// Generate, `overBudget` says whether it would take this month over the budget, counting what
// is already paid, what running jobs may still deliver, and the new job's estimate.

import { api } from "./api";
import type { SpendReport } from "./bindings/SpendReport";
import { roundCents } from "./models";

export interface BudgetCheck {
  budget: number;
  /** This month's spend if the new job delivers everything it asks for. */
  after: number;
}

/** The month's spend after `cost`, when that is over `budget`; null when within it (or none). */
export function overBudget(
  report: SpendReport | null,
  pending: number,
  cost: number,
): BudgetCheck | null {
  const budget = report?.budgetUsd ?? null;
  if (budget === null || report === null) return null;
  const after = roundCents(report.monthUsd + pending + cost);
  return after > budget + 1e-9 ? { budget, after } : null;
}

export class SpendStore {
  report: SpendReport | null = $state(null);

  async load(): Promise<void> {
    this.report = await api.spendReport();
  }

  async setBudget(usd: number | null): Promise<void> {
    this.report = await api.setBudget(usd);
  }

  exportLedger(): Promise<string | null> {
    return api.exportLedger();
  }
}

export const spend = new SpendStore();
