import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../lib/app.svelte";
import { batches } from "../lib/batch.svelte";
import type { PlanView } from "../lib/bindings/PlanView";
import { settings } from "../lib/settings.svelte";
import { toasts } from "../lib/toasts.svelte";
import { batchRecord, batchRow as row } from "../test/batch";
import { appInfo, clearMocks, flush, installIpc } from "../test/ipc";
import BatchView from "./BatchView.svelte";

const plan: PlanView = {
  token: 3,
  name: "Pasted prompts",
  encoding: "utf8",
  rows: [
    row(1),
    row(2),
    row(3, {
      state: "skipped",
      problem: "the prompt is empty",
      problemZh: "提示词为空",
    }),
  ],
  sendable: 2,
  videos: 4,
  estimateUsd: 0.6,
  monthUsd: 9.5,
  budgetUsd: 10,
  capUsd: null,
  overBudget: true,
  overCap: false,
};

const RECORD = batchRecord({ id: "b7", name: "night shots", plannedUsd: 0.9 });

describe("the Batch view", () => {
  beforeEach(() => {
    settings.lang = "en";
    app.info = appInfo();
    batches.plan = null;
    batches.shown = null;
    batches.batches = [];
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("shows the plan's figures and what cannot be sent, and starts only what it showed", async () => {
    const ipc = installIpc({
      batch_watch: () => null,
      batch_list: () => [],
      batch_plan_text: () => plan,
      batch_start: () => {
        throw new Error("stop here: the start was asked for");
      },
    });
    render(BatchView);
    await flush();
    await fireEvent.input(screen.getByTestId("batch-paste"), {
      target: { value: "prompt 1\nprompt 2\n\n" },
    });
    await fireEvent.click(screen.getByTestId("batch-plan"));
    await flush();
    expect(screen.getByTestId("plan-sendable").textContent).toBe("2 of 3 to send");
    expect(screen.getByTestId("plan-estimate").textContent).toBe("$0.60");
    expect(screen.getByTestId("plan-problems").textContent).toContain("the prompt is empty");

    // Over the month's budget: not before the person confirms, then the plan's own token.
    const start = screen.getByTestId("batch-start") as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("batch-confirm"));
    expect(start.disabled).toBe(false);
    await fireEvent.click(start);
    await flush();
    expect(ipc.calls.find((c) => c.cmd === "batch_start")?.args).toMatchObject({
      token: 3,
      confirmed: true,
    });
  });

  it("refuses a start over the cap the person sets", async () => {
    installIpc({
      batch_watch: () => null,
      batch_list: () => [],
      batch_plan_text: () => ({ ...plan, overBudget: false }),
    });
    render(BatchView);
    await flush();
    await fireEvent.input(screen.getByTestId("batch-paste"), { target: { value: "a\nb" } });
    await fireEvent.click(screen.getByTestId("batch-plan"));
    await flush();
    const start = screen.getByTestId("batch-start") as HTMLButtonElement;
    expect(start.disabled).toBe(false);
    await fireEvent.input(screen.getByTestId("batch-cap"), { target: { value: "0.5" } });
    expect(start.disabled).toBe(true);
    expect(screen.getByRole("alert").textContent).toContain("over the cap");
    settings.lang = "zh";
    await flush();
    expect(screen.getByTestId("plan-sendable").textContent).toBe("将发送 2 / 3");
    expect(screen.getByTestId("plan-problems").textContent).toContain("提示词为空");
  });

  it("writes a batch's results and says where, once a row has ended", async () => {
    const record = RECORD;
    let batch = record;
    const ipc = installIpc({
      batch_watch: () => null,
      batch_list: () => [batch],
      batch_rows: () => [row(1), row(2), row(3)],
      batch_results: () => "/videos/night-shots-results.csv",
    });
    toasts.items = [];
    render(BatchView);
    await flush();
    await flush();
    // Nothing has ended yet: nothing to write.
    expect(screen.queryByTestId("batch-results")).toBeNull();
    batch = { ...record, state: "done", waiting: 0, done: 2, failed: 1, spentUsd: 0.6 };
    await batches.load();
    await flush();
    await fireEvent.click(screen.getByTestId("batch-results"));
    await flush();
    expect(ipc.calls.find((c) => c.cmd === "batch_results")?.args).toEqual({ id: "b7" });
    expect(toasts.items.map((t) => t.text())).toContain(
      "Results written: /videos/night-shots-results.csv",
    );
  });

  it("puts a long queue in the page a slice at a time, the first screen at once", async () => {
    const many = Array.from({ length: 1000 }, (_, i) => row(i + 1, { state: "done" }));
    installIpc({
      batch_watch: () => null,
      batch_list: () => [{ ...RECORD, rows: 1000, waiting: 0, done: 1000, state: "done" }],
      batch_rows: () => many,
    });
    render(BatchView);
    await flush();
    await flush();
    const first = screen.getAllByTestId("batch-row").length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(100);
    for (let i = 0; i < 10; i++) {
      await new Promise(requestAnimationFrame);
      await flush();
    }
    expect(screen.getAllByTestId("batch-row")).toHaveLength(1000);
  });
});
