// Batch runs as the Batch view sees them: the plan before money (a dropped or opened file, or
// pasted prompts, with the form's settings as defaults), the batches in the library, the rows of
// the one shown, and each row's live progress from Rust's one batch channel. Rust plans, records
// and runs; this store asks, and keeps what it is told.

import { api } from "./api";
import type { BatchAction } from "./bindings/BatchAction";
import type { BatchRecord } from "./bindings/BatchRecord";
import type { BatchRow } from "./bindings/BatchRow";
import type { BatchUpdate } from "./bindings/BatchUpdate";
import type { Defaults } from "./bindings/Defaults";
import type { PlanView } from "./bindings/PlanView";

/** The batch file endings a drop routes to the Batch view instead of the frame slots. */
export const BATCH_FILE = /\.(csv|jsonl|ndjson|txt)$/i;

/** A row's live job: its phase and progress while it runs. */
export interface RowLive {
  phase: string | null;
  percent: number | null;
  videos: number;
}

/** Rows done or settled, of all: the batch's progress, 0–1. */
export function progress(batch: BatchRecord): number {
  if (batch.rows === 0) return 1;
  const settled = batch.done + batch.partial + batch.failed + batch.skipped;
  return settled / batch.rows;
}

/** Applies a row's state change to the rows shown (mutating: they are reactive proxies). */
export function applyRow(rows: BatchRow[], update: BatchUpdate): BatchRow | null {
  const event = update.event;
  if (event.type !== "row") return null;
  const row = rows.find((r) => r.number === event.row);
  if (!row) return null;
  row.state = event.state;
  row.jobId = event.jobId ?? row.jobId;
  row.problem = event.problem ?? null;
  row.problemZh = event.problemZh ?? null;
  return row;
}

export class BatchStore {
  plan: PlanView | null = $state(null);
  planning = $state(false);
  batches: BatchRecord[] = $state([]);
  /** The batch shown, and its rows. */
  shown: string | null = $state(null);
  rows: BatchRow[] = $state([]);
  /** Live progress of the shown batch's running rows, by row number. */
  live: Record<number, RowLive> = $state({});
  /** The gateway refused a row before starting it: nothing starts before then (Unix ms). */
  waitingUntil: number | null = $state(null);
  #watching = false;

  get current(): BatchRecord | null {
    return this.batches.find((b) => b.id === this.shown) ?? null;
  }

  /** Lists the batches and starts listening for their events (once). */
  async load(): Promise<void> {
    if (!this.#watching) {
      this.#watching = true;
      await api.batchWatch((update) => this.#on(update));
    }
    this.batches = await api.batchList();
    if (this.shown === null && this.batches.length > 0) await this.show(this.batches[0].id);
  }

  async show(id: string): Promise<void> {
    this.shown = id;
    this.live = {};
    this.rows = await api.batchRows(id);
  }

  async planFile(path: string, defaults: Defaults): Promise<void> {
    await this.#planned(() => api.batchPlanFile(path, defaults));
  }

  async openFile(defaults: Defaults): Promise<void> {
    await this.#planned(() => api.batchOpenFile(defaults));
  }

  async planText(text: string, defaults: Defaults): Promise<void> {
    await this.#planned(() => api.batchPlanText(text, defaults));
  }

  async #planned(ask: () => Promise<PlanView | null>): Promise<void> {
    this.planning = true;
    try {
      const plan = await ask();
      if (plan) this.plan = plan;
    } finally {
      this.planning = false;
    }
  }

  discardPlan(): void {
    this.plan = null;
  }

  /** Starts the plan shown; over the month's budget only with `confirmed`. */
  async start(concurrency: number, capUsd: number | null, confirmed: boolean): Promise<void> {
    if (!this.plan) return;
    const batch = await api.batchStart(this.plan.token, concurrency, capUsd, confirmed);
    this.plan = null;
    this.batches = [batch, ...this.batches.filter((b) => b.id !== batch.id)];
    await this.show(batch.id);
  }

  async act(action: BatchAction): Promise<void> {
    if (!this.shown) return;
    await api.batchAct(this.shown, action);
    await this.#refresh();
  }

  async retry(row: number): Promise<void> {
    if (!this.shown) return;
    await api.batchRetry(this.shown, row);
    await this.#refresh();
  }

  /** Moves a waiting row one place up (-1) or down (+1). */
  async move(row: number, by: -1 | 1): Promise<void> {
    if (!this.shown) return;
    const waiting = this.rows.filter((r) => r.state === "waiting");
    const at = waiting.findIndex((r) => r.number === row);
    const target = at + by;
    if (at < 0 || target < 0 || target >= waiting.length) return;
    const before = by < 0 ? waiting[target].number : (waiting[target + 1]?.number ?? null);
    await api.batchMove(this.shown, row, before);
    this.rows = await api.batchRows(this.shown);
  }

  async #refresh(): Promise<void> {
    this.batches = await api.batchList();
    if (this.shown) this.rows = await api.batchRows(this.shown);
  }

  #on(update: BatchUpdate): void {
    const event = update.event;
    if (event.type === "waiting") {
      this.waitingUntil = event.untilMs;
      return;
    }
    if (update.batchId !== this.shown) {
      if (event.type === "row") void this.#counts();
      return;
    }
    if (event.type === "job") {
      if (!this.live[event.row]) this.live[event.row] = { phase: null, percent: null, videos: 0 };
      const live = this.live[event.row];
      const e = event.event;
      if (e.type === "status" && e.phase) live.phase = e.phase;
      if (e.type === "progress") live.percent = e.percent;
      if (e.type === "saved") live.videos += 1;
      return;
    }
    const row = applyRow(this.rows, update);
    if (row && row.state !== "sent") delete this.live[row.number];
    void this.#counts();
  }

  /** The batches' counts, after a row moved on. */
  async #counts(): Promise<void> {
    this.batches = await api.batchList();
  }
}

export const batches = new BatchStore();
