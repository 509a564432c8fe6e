import { afterEach, describe, expect, it } from "vitest";
import { batchRecord as record, batchRow as row } from "../test/batch";
import { clearMocks, flush, installIpc } from "../test/ipc";
import { app } from "./app.svelte";
import { applyRow, BATCH_FILE, BatchStore, progress } from "./batch.svelte";
import type { BatchUpdate } from "./bindings/BatchUpdate";
import type { PlanView } from "./bindings/PlanView";
import { frames } from "./frames.svelte";
import { handleDragDrop } from "./listeners";

const plan: PlanView = {
  token: 7,
  name: "shots",
  encoding: "utf8_bom",
  rows: [row(1), row(2), row(3, { state: "skipped", problem: "line 4: the frame is missing" })],
  sendable: 2,
  videos: 2,
  estimateUsd: 0.3,
  monthUsd: 1.2,
  budgetUsd: null,
  capUsd: null,
  overBudget: false,
  overCap: false,
};

describe("a batch's rows and totals", () => {
  it("move on with their events, and the batch's progress counts settled rows", () => {
    const rows = [row(1), row(2)];
    const update: BatchUpdate = {
      batchId: "b1",
      event: {
        type: "row",
        row: 2,
        state: "failed",
        jobId: "j2",
        problem: "quota",
        problemZh: "余额不足",
      },
    };
    expect(applyRow(rows, update)?.state).toBe("failed");
    expect(rows[1]).toMatchObject({ jobId: "j2", problem: "quota", problemZh: "余额不足" });
    expect(progress(record({ rows: 4, done: 1, partial: 1, failed: 1 }))).toBe(0.75);
    expect(BATCH_FILE.test("/x/Shots.CSV") && BATCH_FILE.test("a.jsonl")).toBe(true);
    expect(BATCH_FILE.test("/x/frame.png")).toBe(false);
  });
});

describe("the batch store", () => {
  afterEach(() => clearMocks());

  it("plans, starts the plan shown, and follows the rows live", async () => {
    let rows = [row(1), row(2), row(3, { state: "skipped" })];
    const ipc = installIpc({
      batch_plan_text: () => plan,
      batch_start: () => record(),
      batch_list: () => [record()],
      batch_rows: () => rows,
      batch_watch: () => null,
    });
    const store = new BatchStore();
    await store.load();
    await store.planText("shot 1\nshot 2", { model: "veo-3.1-fast", count: 1 });
    expect(store.plan?.sendable).toBe(2);
    await store.start(2, 0.5, false);
    const start = ipc.calls.find((c) => c.cmd === "batch_start");
    expect(start?.args).toMatchObject({ token: 7, concurrency: 2, capUsd: 0.5, confirmed: false });
    expect(store.plan).toBeNull();
    expect(store.shown).toBe("b1");

    // The one batch channel: a row is sent, makes progress, ends.
    const channel = ipc.calls.find((c) => c.cmd === "batch_watch")?.args.onUpdate as { id: number };
    const internals = (
      window as unknown as {
        __TAURI_INTERNALS__: { runCallback: (id: number, d: unknown) => void };
      }
    ).__TAURI_INTERNALS__;
    let index = 0;
    const send = (update: BatchUpdate) =>
      internals.runCallback(channel.id, { index: index++, message: update });
    send({
      batchId: "b1",
      event: { type: "row", row: 1, state: "sent", jobId: "j1", problem: null, problemZh: null },
    });
    send({
      batchId: "b1",
      event: { type: "job", row: 1, jobId: "j1", event: { type: "progress", percent: 40 } },
    });
    await flush();
    expect(store.rows[0].state).toBe("sent");
    expect(store.live[1].percent).toBe(40);
    rows = rows.map((r) => (r.number === 1 ? { ...r, state: "done" } : r));
    send({
      batchId: "b1",
      event: { type: "row", row: 1, state: "done", jobId: "j1", problem: null, problemZh: null },
    });
    await flush();
    expect(store.rows[0].state).toBe("done");
    expect(store.live[1]).toBeUndefined();
  });

  it("moves a waiting row among the waiting ones", async () => {
    const ipc = installIpc({
      batch_rows: () => [row(1, { state: "done" }), row(2), row(3), row(4)],
      batch_move: () => null,
    });
    const store = new BatchStore();
    await store.show("b1");
    await store.move(3, -1);
    await store.move(2, 1);
    await store.move(4, 1);
    const moves = ipc.calls.filter((c) => c.cmd === "batch_move").map((c) => c.args);
    expect(moves).toEqual([
      { id: "b1", row: 3, before: 2 },
      { id: "b1", row: 2, before: 4 },
    ]);
  });
});

describe("dropping a batch file", () => {
  afterEach(() => clearMocks());

  it("goes to the Batch view and is planned with the form's settings, not to a frame slot", async () => {
    const ipc = installIpc({ batch_plan_file: () => plan });
    app.view = "generate";
    handleDragDrop(frames, {
      type: "drop",
      paths: ["/home/me/shots.csv"],
      position: { x: 1, y: 1 },
    });
    await flush();
    expect(app.view).toBe("batch");
    const asked = ipc.calls.find((c) => c.cmd === "batch_plan_file");
    expect(asked?.args.path).toBe("/home/me/shots.csv");
    expect(asked?.args.defaults).toMatchObject({ model: app.model });
    expect(ipc.calls.some((c) => c.cmd === "drop_frame")).toBe(false);
  });
});
