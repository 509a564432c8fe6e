import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, flush, installIpc } from "../test/ipc";
import type { JobEvent } from "./bindings/JobEvent";
import {
  applyEvent,
  createJob,
  errorText,
  isPartial,
  type JobInput,
  JobStore,
  jobDetails,
  savedIds,
} from "./jobs.svelte";

const input = (n: number): JobInput => ({
  request: { prompt: "a paper boat", model: "veo-3.1-landscape", n },
  orientation: "landscape",
  price: 0.25,
  frames: { start: null, end: null },
});

function run(n: number, events: JobEvent[]) {
  const job = createJob("local-1", input(n), 1_000);
  for (const e of events) applyEvent(job, e, 61_000);
  return job;
}

const video = (index: number): JobEvent => ({
  type: "video",
  index,
  videoId: `j-${index}`,
  url: `https://gw/v${index}.mp4`,
});
const saved = (index: number): JobEvent => ({
  type: "saved",
  index,
  videoId: `j-${index}`,
  mediaUrl: `http://127.0.0.1:4000/v${index}.mp4`,
  fileName: `v${index}.mp4`,
  bytes: 1000,
});

describe("a job's events", () => {
  it("succeed with two videos: phases, progress, urls, downloads, local files", () => {
    const job = createJob("local-1", input(2), 1_000);
    expect(job.phase).toBe("preparing");
    expect(job.videos).toHaveLength(2);

    applyEvent(job, { type: "phase", phase: "sending", text: null });
    applyEvent(job, { type: "phase", phase: "queued", text: "Task queued" });
    expect(job.phase).toBe("queued");
    expect(job.status).toBe("Task queued");
    expect(job.percent).toBeNull();

    applyEvent(job, { type: "phase", phase: "generating", text: "Generating" });
    applyEvent(job, { type: "progress", percent: 42.5 });
    applyEvent(job, { type: "status", text: "Rendering 42%" });
    expect(job.percent).toBe(42.5);
    expect(job.status).toBe("Rendering 42%");

    applyEvent(job, video(1));
    applyEvent(job, video(2));
    expect(job.videos.map((v) => v.status)).toEqual(["ready", "ready"]);
    expect(job.videos[1].url).toBe("https://gw/v2.mp4");

    applyEvent(job, { type: "phase", phase: "downloading", text: null });
    applyEvent(job, { type: "download", index: 1, bytes: 500, total: 1000 });
    expect(job.videos[0].downloaded).toBe(500);
    expect(job.status).toBeNull();

    applyEvent(job, saved(1));
    applyEvent(job, saved(2));
    expect(job.videos[0].mediaUrl).toBe("http://127.0.0.1:4000/v1.mp4");
    expect(savedIds(job)).toEqual(["j-1", "j-2"]);

    applyEvent(
      job,
      { type: "finished", ok: true, requested: 2, delivered: 2, error: null, transcript: ["a"] },
      61_000,
    );
    expect(job.phase).toBe("done");
    expect(job.percent).toBe(100);
    expect(job.endedAt).toBe(61_000);
    expect(isPartial(job)).toBe(false);
    expect(errorText(job, "en")).toBeNull();
  });

  it("deliver part: the arrived videos stay, the failed one says why", () => {
    const job = run(3, [
      video(1),
      video(2),
      { type: "videoFailed", index: 3, reason: "filtered by policy" },
      saved(1),
      saved(2),
      {
        type: "finished",
        ok: false,
        requested: 3,
        delivered: 2,
        error: { kind: "generation_failed", message: "2 of 3 delivered", messageZh: "交付 2/3" },
        transcript: [],
      },
    ]);
    expect(job.phase).toBe("done");
    expect(isPartial(job)).toBe(true);
    expect(job.videos.map((v) => v.status)).toEqual(["ready", "ready", "failed"]);
    expect(job.videos[2].reason).toBe("filtered by policy");
    expect(errorText(job, "zh")).toBe("交付 2/3");
  });

  it("fail with the gateway's words and request id, in both languages", () => {
    const job = run(2, [
      { type: "phase", phase: "sending", text: null },
      {
        type: "finished",
        ok: false,
        requested: 2,
        delivered: 0,
        error: {
          kind: "quota",
          message: "Insufficient quota (“balance $0.04”). Request id req_1.",
          messageZh: "额度不足（“balance $0.04”）。请求 ID req_1。",
          gateway: { status: 402, requestId: "req_1" },
        },
        transcript: ["< 402"],
      },
    ]);
    expect(job.phase).toBe("failed");
    expect(job.videos.every((v) => v.status === "missing")).toBe(true);
    expect(errorText(job, "en")).toContain("balance $0.04");
    expect(errorText(job, "zh")).toContain("额度不足");
    const details = jobDetails(job, "0.1.0", 61_000);
    expect(details).toContain("Prompt: a paper boat");
    expect(details).toContain("Model: veo-3.1-landscape");
    expect(details).toContain("Request id: req_1");
    expect(details).toContain("< 402");
  });

  it("fail as a whole when the gateway says so without an index", () => {
    const job = run(1, [
      { type: "videoFailed", index: null, reason: "upstream busy" },
      { type: "finished", ok: false, requested: 1, delivered: 0, error: null, transcript: [] },
    ]);
    expect(job.phase).toBe("failed");
    expect(errorText(job, "en")).toBe("upstream busy");
  });

  it("end as cancelled, which is not an error", () => {
    const job = run(1, [
      { type: "phase", phase: "generating", text: null },
      {
        type: "finished",
        ok: false,
        requested: 1,
        delivered: 0,
        error: { kind: "cancelled", message: "cancelled", messageZh: "已取消" },
        transcript: [],
      },
    ]);
    expect(job.phase).toBe("cancelled");
    expect(errorText(job, "en")).toBeNull();
  });
});

describe("the job store", () => {
  afterEach(() => clearMocks());

  it("shows a card at once, streams the channel's events into it, and cancels at once", async () => {
    const ipc = installIpc();
    const store = new JobStore();
    const key = store.start(input(2));
    expect(store.jobs).toHaveLength(1);
    expect(store.jobs[0].phase).toBe("preparing");
    expect(store.jobs[0].id).toBeNull();
    await flush();
    expect(store.jobs[0].id).toBe("job-1");
    expect(ipc.calls.find((c) => c.cmd === "start_job")?.args.request).toEqual(input(2).request);

    ipc.push(0, { type: "phase", phase: "generating", text: "Generating" });
    ipc.push(0, { type: "progress", percent: 30 });
    expect(store.jobs[0].percent).toBe(30);
    expect(store.running).toBe(1);

    store.cancel(key);
    expect(store.jobs[0].phase).toBe("cancelled");
    await flush();
    expect(ipc.calls.some((c) => c.cmd === "cancel_job" && c.args.id === "job-1")).toBe(true);
    expect(store.running).toBe(0);
  });

  it("cancels once Rust answers when Cancel came first", async () => {
    const ipc = installIpc();
    const store = new JobStore();
    const key = store.start(input(1));
    store.cancel(key);
    await flush();
    expect(ipc.calls.some((c) => c.cmd === "cancel_job" && c.args.id === "job-1")).toBe(true);
  });

  it("keeps several jobs apart, newest first", async () => {
    const ipc = installIpc();
    const store = new JobStore();
    store.start(input(1));
    store.start(input(2));
    await flush();
    ipc.push(0, { type: "progress", percent: 10 });
    ipc.push(1, { type: "progress", percent: 80 });
    expect(store.jobs.map((j) => j.percent)).toEqual([80, 10]);
  });

  it("turns a refused start into a failed card", async () => {
    installIpc({
      start_job: () => {
        throw { kind: "auth", message: "no API key is set", messageZh: "未设置 API 密钥" };
      },
    });
    const store = new JobStore();
    store.start(input(1));
    await flush();
    expect(store.jobs[0].phase).toBe("failed");
    expect(errorText(store.jobs[0], "en")).toBe("no API key is set");
  });
});
