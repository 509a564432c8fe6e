import { cleanup, render, screen, within } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../lib/app.svelte";
import { jobs } from "../lib/jobs.svelte";
import { settings } from "../lib/settings.svelte";
import { appInfo, clearMocks, flush, installIpc } from "../test/ipc";
import JobCard from "./JobCard.svelte";

describe("a job card", () => {
  afterEach(() => {
    cleanup();
    clearMocks();
    jobs.jobs = [];
  });

  it("says which options the job asked for, and nothing for the gateway's defaults", () => {
    settings.lang = "en";
    installIpc();
    jobs.start({
      request: {
        prompt: "a lighthouse",
        model: "veo-3.1",
        n: 1,
        options: { duration: 6, resolution: "1080p", audio: false, seed: 42 },
      },
      orientation: "portrait",
      price: 0.25,
      frames: { start: null, end: null },
    });
    jobs.start({
      request: { prompt: "a harbour", model: "veo-3.1", n: 1 },
      orientation: "portrait",
      price: 0.25,
      frames: { start: null, end: null },
    });
    // The newest job is first.
    render(JobCard, { props: { job: jobs.jobs[1] } });
    expect(screen.getByTestId("job-options").textContent).toBe("6 s · 1080p · no sound · seed 42");
    cleanup();
    render(JobCard, { props: { job: jobs.jobs[0] } });
    expect(screen.queryByTestId("job-options")).toBeNull();
  });

  it("shows progress, two videos side by side, and switches a video to its local file", async () => {
    settings.lang = "en";
    const ipc = installIpc();
    jobs.start({
      request: { prompt: "a paper boat", model: "veo-3.1-landscape", n: 2 },
      orientation: "landscape",
      price: 0.25,
      frames: { start: null, end: null },
    });
    const { unmount } = render(JobCard, { props: { job: jobs.jobs[0] } });
    const card = screen.getByTestId("job-card");
    expect(card.dataset.phase).toBe("preparing");
    const bar = within(card).getByTestId("job-progress");
    expect(bar.hasAttribute("data-percent")).toBe(false); // indeterminate until a percentage
    await flush();
    expect(card.dataset.jobId).toBe(jobs.jobs[0].id);
    expect(ipc.calls.find((c) => c.cmd === "start_job")?.args.request).toMatchObject({
      id: jobs.jobs[0].id,
    });

    ipc.push(0, { type: "status", phase: "generating", text: "Generating video" });
    ipc.push(0, { type: "progress", percent: 37 });
    ipc.push(0, { type: "status", text: "Rendering frames (37%)" });
    flushSync();
    expect(card.dataset.phase).toBe("generating");
    expect(bar.dataset.percent).toBe("37");
    expect(within(card).getByTestId("job-status").textContent).toContain("Rendering frames (37%)");

    ipc.push(0, { type: "video", index: 1, url: "https://gw/a.mp4" });
    ipc.push(0, { type: "video", index: 2, url: "https://gw/b.mp4" });
    flushSync();
    const videos = within(card).getAllByTestId("video") as HTMLVideoElement[];
    expect(videos).toHaveLength(2);
    expect(videos.map((v) => v.dataset.index)).toEqual(["1", "2"]);
    expect(videos[0].getAttribute("src")).toBe("https://gw/a.mp4");
    expect(videos[0].controls).toBe(true);
    expect(videos[0].dataset.local).toBeUndefined();
    // Side by side: one grid row of two columns.
    expect(videos[0].closest<HTMLElement>(".videos")?.style.getPropertyValue("--cols")).toBe("2");

    ipc.push(0, { type: "download", index: 1, bytes: 250, total: 1000 });
    flushSync();
    expect(card.textContent).toContain("Saving 25%");

    jobs.mediaBase = "http://127.0.0.1:4123/media/t";
    const id = jobs.jobs[0].id;
    ipc.push(0, { type: "saved", index: 1, video: `${id}-1`, path: "/v/a.mp4", bytes: 1000 });
    flushSync();
    const [first, second] = within(card).getAllByTestId("video") as HTMLVideoElement[];
    expect(first.getAttribute("src")).toBe(`http://127.0.0.1:4123/media/t/${id}-1`);
    expect(first.dataset.local).toBe("true");
    expect(second.getAttribute("src")).toBe("https://gw/b.mp4");
    const save = within(card).getAllByTestId("save-video") as HTMLButtonElement[];
    expect(save.map((b) => b.disabled)).toEqual([false, true]);
    expect(within(card).getAllByTestId("copy-link")).toHaveLength(2);
    expect(within(card).getAllByTestId("reveal-video")).toHaveLength(2);

    // Taken out of the page (another view, the card dropped), each video lets its media go at
    // once instead of when the garbage collector frees the element.
    const emptied: HTMLMediaElement[] = [];
    const load = HTMLMediaElement.prototype.load;
    HTMLMediaElement.prototype.load = function (this: HTMLMediaElement) {
      if (!this.hasAttribute("src")) emptied.push(this);
    };
    try {
      unmount();
      expect(emptied).toEqual([first, second]);
    } finally {
      HTMLMediaElement.prototype.load = load;
    }
  });

  it("shows a failure in the UI language with Try again (priced) and Copy details", async () => {
    settings.lang = "zh";
    app.info = appInfo();
    const ipc = installIpc();
    jobs.start({
      request: { prompt: "a paper boat", model: "veo-3.1-fast", n: 2 },
      orientation: "portrait",
      price: 0.15,
      frames: { start: null, end: null },
    });
    render(JobCard, { props: { job: jobs.jobs[0] } });
    await flush();
    ipc.push(0, {
      type: "finished",
      state: "failed",
      requested: 2,
      delivered: 0,
      error: {
        kind: "quota",
        message: "Insufficient quota. Request id req_9.",
        messageZh: "额度不足。请求 ID req_9。",
        gateway: { requestId: "req_9" },
      },
      transcript: ["< 402"],
    });
    flushSync();
    const card = screen.getByTestId("job-card");
    expect(card.dataset.phase).toBe("failed");
    expect(within(card).getByTestId("job-error").textContent).toBe("额度不足。请求 ID req_9。");
    expect(within(card).getByTestId("job-retry").textContent).toContain("$0.30");
    expect(within(card).queryByTestId("job-cancel")).toBeNull();

    within(card).getByTestId("job-copy-details").click();
    await flush();
    const copied = ipc.calls.find((c) => c.cmd === "copy_text")?.args.text as string;
    expect(copied).toContain("Request id: req_9");
    expect(copied).toContain("Model: veo-3.1-fast");

    const retry = within(card).getByTestId("job-retry") as HTMLButtonElement;
    retry.click();
    retry.click();
    flushSync();
    expect(jobs.jobs).toHaveLength(2);
    const starts = ipc.calls.filter((c) => c.cmd === "start_job");
    expect(starts).toHaveLength(2);
    const firstId = (starts[0].args.request as { id: string }).id;
    expect(starts[1].args.request).toMatchObject({ retryOf: firstId, n: 2 });
    expect(retry.disabled).toBe(true);
    expect(retry.textContent).toContain("已重新开始");
    settings.lang = "en";
  });

  it("says a cancelled job was stopped, not what the gateway last said", async () => {
    settings.lang = "en";
    const ipc = installIpc();
    jobs.start({
      request: { prompt: "a slow sunrise", model: "veo-3.1-landscape", n: 1 },
      orientation: "landscape",
      price: 0.25,
      frames: { start: null, end: null },
    });
    render(JobCard, { props: { job: jobs.jobs[0] } });
    await flush();
    ipc.push(0, { type: "status", phase: "queued", text: "Waiting in the queue" });
    flushSync();
    const card = screen.getByTestId("job-card");
    expect(within(card).getByTestId("job-status").textContent).toContain("Waiting in the queue");

    ipc.push(0, {
      type: "finished",
      state: "cancelled",
      requested: 1,
      delivered: 0,
      error: { kind: "cancelled", message: "Cancelled.", messageZh: "已取消。" },
      transcript: [],
    });
    flushSync();
    expect(card.dataset.phase).toBe("cancelled");
    const status = within(card).getByTestId("job-status").textContent ?? "";
    expect(status).toContain("Stopped at your request");
    expect(status).not.toContain("queue");
  });
});

describe("a job from an earlier run", () => {
  afterEach(() => {
    cleanup();
    clearMocks();
    jobs.jobs = [];
  });

  it("says it was interrupted, and a cancelled job's downloads are discarded only when confirmed", async () => {
    settings.lang = "en";
    const ipc = installIpc();
    jobs.start({
      request: { prompt: "one arrives", model: "veo-3.1", n: 2 },
      orientation: "portrait",
      price: 0.25,
      frames: { start: null, end: null },
    });
    render(JobCard, { props: { job: jobs.jobs[0] } });
    await flush();
    ipc.push(0, { type: "video", index: 1, url: "https://gw/a.mp4" });
    ipc.push(0, {
      type: "finished",
      state: "cancelled",
      requested: 2,
      delivered: 1,
      error: { kind: "cancelled", message: "Cancelled", messageZh: "已取消" },
      transcript: [],
    });
    flushSync();
    const card = screen.getByTestId("job-card");
    expect(within(card).getByTestId("job-status").textContent).toContain("still being saved");
    within(card).getByTestId("job-discard").click();
    flushSync();
    expect(ipc.calls.some((c) => c.cmd === "discard_downloads")).toBe(false);
    expect(card.textContent).toContain("Discard 1 unfinished download?");
    within(card).getByTestId("job-discard-yes").click();
    await flush();
    flushSync();
    expect(ipc.calls.some((c) => c.cmd === "discard_downloads")).toBe(true);
    expect(card.textContent).toContain("Discarded; the link is kept.");
    expect(within(card).queryByTestId("job-discard")).toBeNull();

    jobs.jobs[0].phase = "interrupted";
    flushSync();
    expect(within(card).getByTestId("job-status").textContent).toContain("not sent again");
  });
});
