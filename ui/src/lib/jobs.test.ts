import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, flush, installIpc } from "../test/ipc";
import type { Event } from "./bindings/Event";
import type { JobRecord } from "./bindings/JobRecord";
import { newJobId } from "./jobId";
import {
  applyEvent,
  createJob,
  downloading,
  errorText,
  isPartial,
  type Job,
  type JobInput,
  JobStore,
  jobDetails,
  jobFromRecord,
  savedIds,
} from "./jobs.svelte";

const ID = "019ac1a2-7c1e-7def-8abc-12345e0c9a1f";

const input = (n: number): JobInput => ({
  request: { prompt: "a paper boat", model: "veo-3.1-landscape", n },
  orientation: "landscape",
  price: 0.25,
  frames: { start: null, end: null },
});

const MEDIA = "http://127.0.0.1:4000/media/t";

/** Applies an event as the store does, with the media server's base. */
const apply = (job: Job, event: Event, now?: number) => applyEvent(job, event, MEDIA, now);

function run(n: number, events: Event[]) {
  const job = createJob(ID, input(n), 1_000);
  for (const e of events) apply(job, e, 61_000);
  return job;
}

const video = (index: number): Event => ({
  type: "video",
  index,
  url: `https://gw/v${index}.mp4`,
});
const saved = (index: number): Event => ({
  type: "saved",
  index,
  video: `${ID}-${index}`,
  path: `/home/me/Videos/Framecast/v${index}.mp4`,
  bytes: 1000,
});

describe("a job's events", () => {
  it("succeed with two videos: phases, progress, urls, downloads, local files", () => {
    const job = createJob(ID, input(2), 1_000);
    expect(job.phase).toBe("preparing");
    expect(job.videos).toHaveLength(2);

    apply(job, { type: "status", phase: "sending" });
    apply(job, { type: "status", phase: "queued", text: "Task queued" });
    expect(job.phase).toBe("queued");
    expect(job.status).toBe("Task queued");
    expect(job.percent).toBeNull();

    apply(job, { type: "status", phase: "generating", text: "Generating" });
    apply(job, { type: "progress", percent: 42.5 });
    apply(job, { type: "status", text: "Rendering 42%" });
    expect(job.percent).toBe(42.5);
    expect(job.status).toBe("Rendering 42%");

    apply(job, video(1));
    apply(job, video(2));
    expect(job.videos.map((v) => v.status)).toEqual(["ready", "ready"]);
    expect(job.videos[1].url).toBe("https://gw/v2.mp4");

    apply(job, { type: "status", phase: "downloading" });
    apply(job, { type: "download", index: 1, bytes: 500, total: 1000 });
    expect(job.videos[0].downloaded).toBe(500);
    expect(job.status).toBeNull();

    apply(job, saved(1));
    apply(job, saved(2));
    expect(job.videos[0].mediaUrl).toBe(`${MEDIA}/${ID}-1`);
    expect(job.videos[0].fileName).toBe("v1.mp4");
    expect(savedIds(job)).toEqual([`${ID}-1`, `${ID}-2`]);

    apply(
      job,
      {
        type: "finished",
        state: "done",
        requested: 2,
        delivered: 2,
        transcript: ["a"],
      },
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
      { type: "video_failed", index: 3, reason: "filtered by policy" },
      saved(1),
      saved(2),
      {
        type: "finished",
        state: "partial",
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
      { type: "status", phase: "sending" },
      {
        type: "finished",
        state: "failed",
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
      { type: "video_failed", reason: "upstream busy" },
      {
        type: "finished",
        state: "failed",
        requested: 1,
        delivered: 0,
        transcript: [],
      },
    ]);
    expect(job.phase).toBe("failed");
    expect(errorText(job, "en")).toBe("upstream busy");
  });

  it("end as cancelled, which is not an error", () => {
    const job = run(1, [
      { type: "status", phase: "generating" },
      {
        type: "finished",
        state: "cancelled",
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

describe("a job from the library", () => {
  const record = (over: Partial<JobRecord> = {}): JobRecord => ({
    id: ID,
    createdAt: 1_000,
    updatedAt: 5_000,
    finishedAt: 5_000,
    origin: "app",
    prompt: "a paper boat",
    model: "veo-3.1-landscape-fast",
    n: 2,
    startFrame: "ab".repeat(32),
    endFrame: null,
    gatewayHost: "gw",
    authScheme: "bare",
    priceUsd: 0.15,
    saveDir: "/videos",
    retryOf: null,
    options: {},
    references: [],
    route: "stream",
    baseUrl: "https://gw",
    profileId: null,
    deadlineAt: null,
    label: null,
    state: "interrupted",
    phase: null,
    progress: 54,
    statusText: "视频正在生成中",
    error: null,
    failures: [],
    transcript: ["> 🏃 进度：54.0%"],
    delivered: 2,
    continues: [],
    videos: [
      {
        id: `${ID}-1`,
        jobId: ID,
        index: 1,
        url: "https://gw/1.mp4",
        deliveredAt: 3_000,
        state: "saved",
        path: "/videos/one.mp4",
        bytes: 1000,
        total: 1000,
        error: null,
        savedAt: 4_000,
        favourite: false,
        poster: false,
      },
    ],
    ...over,
  });

  it("comes back with its state, its saved video playing from the library, the rest missing", () => {
    const job = jobFromRecord(record(), "http://127.0.0.1:9/media/t");
    expect(job.id).toBe(ID);
    expect(job.phase).toBe("interrupted");
    expect(job.finished).toBe(true);
    expect(job.price).toBe(0.15);
    expect(job.orientation).toBe("landscape");
    expect(job.frames.start).toContain("abab");
    expect(job.videos[0]).toMatchObject({
      status: "ready",
      saved: true,
      mediaUrl: `http://127.0.0.1:9/media/t/${ID}-1`,
      fileName: "one.mp4",
    });
    expect(job.videos[1].status).toBe("missing");
    expect(job.delivered).toBe(1);
    expect(downloading(job)).toEqual([]);
  });

  it("keeps an expired link with its reason, and a download still to continue", () => {
    const expired = { kind: "expired" as const, message: "link expired", messageZh: "链接失效" };
    const job = jobFromRecord(
      record({
        state: "done",
        videos: [
          { ...record().videos[0], state: "expired", error: expired, path: null, bytes: 0 },
          { ...record().videos[0], id: `${ID}-2`, index: 2, state: "downloading", bytes: 10 },
        ],
      }),
      "",
    );
    expect(job.phase).toBe("done");
    expect(job.videos[0].downloadError).toEqual(expired);
    expect(job.videos[0].mediaUrl).toBeNull();
    expect(downloading(job).map((v) => v.index)).toEqual([2]);
  });

  it("running in another process is shown as such", () => {
    const job = jobFromRecord(
      record({ state: "running", phase: "generating", finishedAt: null }),
      "",
    );
    expect(job.phase).toBe("generating");
    expect(job.elsewhere).toBe(true);
    expect(job.finished).toBe(false);
  });
});

describe("job ids", () => {
  it("are UUIDv7, time-ordered, one per call", () => {
    const a = newJobId(1_700_000_000_000);
    const b = newJobId(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(a.slice(0, 13)).toBe("018bcfe5-6800");
    expect(newJobId()).not.toBe(newJobId());
  });
});

describe("the job store", () => {
  afterEach(() => clearMocks());

  it("mints the id, shows a card at once, streams the channel's events, and cancels at once", async () => {
    const ipc = installIpc();
    const store = new JobStore();
    const id = store.start(input(2));
    expect(store.jobs).toHaveLength(1);
    expect(store.jobs[0].id).toBe(id);
    expect(store.jobs[0].phase).toBe("preparing");
    await flush();
    expect(ipc.calls.find((c) => c.cmd === "start_job")?.args.request).toEqual({
      ...input(2).request,
      id,
    });

    ipc.push(0, { type: "status", phase: "generating", text: "Generating" });
    ipc.push(0, { type: "progress", percent: 30 });
    expect(store.jobs[0].percent).toBe(30);
    expect(store.running).toBe(1);

    store.cancel(id);
    expect(store.jobs[0].phase).toBe("cancelled");
    await flush();
    expect(ipc.calls.some((c) => c.cmd === "cancel_job" && c.args.id === id)).toBe(true);
    expect(store.running).toBe(0);
    // Delivered videos still land after a cancel.
    ipc.push(0, video(1));
    ipc.push(0, saved(1));
    expect(store.jobs[0].videos[0].saved).toBe(true);
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

  it("tries again once per card, with the frames of the job it repeats", async () => {
    const ipc = installIpc();
    const store = new JobStore();
    store.start(input(1));
    const first = store.jobs[0];
    expect(store.retry(first, 1)).not.toBeNull();
    expect(store.retry(first, 1)).toBeNull();
    await flush();
    const starts = ipc.calls.filter((c) => c.cmd === "start_job");
    expect(starts).toHaveLength(2);
    expect(starts[1].args.request).toMatchObject({ retryOf: first.id });
  });

  it("lists the library, then continues what a stopped Framecast left", async () => {
    const ipc = installIpc({
      recent_jobs: () => [
        {
          id: ID,
          createdAt: 1,
          updatedAt: 2,
          finishedAt: 2,
          origin: "cli",
          prompt: "left downloading",
          model: "veo-3.1",
          n: 1,
          startFrame: null,
          endFrame: null,
          gatewayHost: "gw",
          authScheme: "bare",
          priceUsd: 0.25,
          saveDir: "/v",
          retryOf: null,
          options: {},
          references: [],
          route: "stream",
          baseUrl: "https://gw",
          profileId: null,
          deadlineAt: null,
          label: null,
          state: "interrupted",
          phase: null,
          progress: null,
          statusText: null,
          error: null,
          failures: [],
          transcript: [],
          delivered: 1,
          continues: [],
          videos: [
            {
              id: `${ID}-1`,
              jobId: ID,
              index: 1,
              url: "https://gw/1.mp4",
              deliveredAt: 1,
              state: "downloading",
              path: "/v/a.mp4",
              bytes: 100,
              total: 1000,
              error: null,
              savedAt: null,
              favourite: false,
              poster: false,
            },
          ],
        } satisfies JobRecord,
      ],
    });
    const store = new JobStore();
    await store.load("http://m");
    expect(store.jobs).toHaveLength(1);
    expect(downloading(store.jobs[0])).toHaveLength(1);
    ipc.resume({ jobId: ID, event: saved(1) });
    expect(store.jobs[0].videos[0].saved).toBe(true);
    expect(downloading(store.jobs[0])).toHaveLength(0);
  });

  it("discards the unfinished downloads it is told to", async () => {
    const ipc = installIpc();
    const store = new JobStore();
    const id = store.start(input(1));
    await flush();
    ipc.push(0, video(1));
    expect(downloading(store.jobs[0])).toHaveLength(1);
    await store.discard(id);
    expect(ipc.calls.some((c) => c.cmd === "discard_downloads" && c.args.id === id)).toBe(true);
    expect(downloading(store.jobs[0])).toHaveLength(0);
    expect(store.jobs[0].videos[0].discarded).toBe(true);
  });
});
