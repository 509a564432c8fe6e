// A batch's rows and records as Rust sends them, for the tests of the batch store and view.

import type { BatchRecord } from "../lib/bindings/BatchRecord";
import type { BatchRow } from "../lib/bindings/BatchRow";

export const batchRow = (number: number, over: Partial<BatchRow> = {}): BatchRow => ({
  number,
  position: number,
  line: number + 1,
  name: null,
  prompt: `shot ${number}`,
  first: null,
  last: null,
  model: "veo-3.1-fast",
  n: 1,
  priceUsd: 0.15,
  state: "waiting",
  problem: null,
  problemZh: null,
  jobId: null,
  attempts: 0,
  notBefore: null,
  extra: {},
  ...over,
});

export const batchRecord = (over: Partial<BatchRecord> = {}): BatchRecord => ({
  id: "b1",
  name: "shots",
  source: "/data/shots.csv",
  sourceSha256: "ab",
  createdAt: 1,
  updatedAt: 1,
  state: "running",
  concurrency: 2,
  capUsd: null,
  outDir: "/videos",
  defaults: "{}",
  rows: 3,
  waiting: 3,
  sent: 0,
  done: 0,
  partial: 0,
  failed: 0,
  skipped: 0,
  spentUsd: 0,
  plannedUsd: 0.45,
  ...over,
});
