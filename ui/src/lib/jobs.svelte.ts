// Jobs and their cards' state. `applyEvent` reduces a job's engine `Event`s (the same ones the
// CLI prints as NDJSON) and `jobFromRecord`
// turns a library record into a card (both pure over plain objects, so they are tested without
// components); `JobStore` lists the library's jobs, starts, cancels and retries jobs, continues
// the downloads a stopped Framecast left, and keeps the ticking clock for elapsed times.

import { api, errorReport } from "./api";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { Event } from "./bindings/Event";
import type { JobRecord } from "./bindings/JobRecord";
import type { JobState } from "./bindings/JobState";
import type { Phase } from "./bindings/Phase";
import type { RouteKind } from "./bindings/RouteKind";
import type { StartJob } from "./bindings/StartJob";
import { formatElapsed, type Lang, localMessage, translate } from "./i18n";
import { newJobId, videoId } from "./jobId";
import { formatUsd, type Orientation, orientationOf, pricePerVideo } from "./models";

export type JobPhase = Phase | "done" | "failed" | "cancelled" | "interrupted" | "unknown";

export const FINAL_PHASES: readonly JobPhase[] = [
  "done",
  "failed",
  "cancelled",
  "interrupted",
  "unknown",
];

export interface VideoState {
  index: number;
  status: "waiting" | "ready" | "failed" | "missing";
  videoId: string;
  /** The gateway's URL: playable at once. */
  url: string | null;
  /** The downloaded file, served locally; preferred once present. */
  mediaUrl: string | null;
  fileName: string | null;
  downloaded: number;
  total: number | null;
  saved: boolean;
  downloadError: ErrorReport | null;
  /** The person chose not to keep its unfinished download. */
  discarded: boolean;
  /** Why the gateway said this video failed. */
  reason: string | null;
  /** A poster is stored for it in the library. */
  poster: boolean;
  /** Delivered beyond the videos asked for: kept as a link, not downloaded. */
  extra: boolean;
}

/** What the job was asked for, to show, copy and retry. */
export interface JobInput {
  request: Omit<StartJob, "id" | "priceUsd">;
  /** The orientation the videos will have (sizes the tiles before they arrive). */
  orientation: Orientation;
  /** USD per delivered video, from the price table when the job started. */
  price: number;
  frames: { start: string | null; end: string | null };
}

export interface Job extends JobInput {
  /** Minted once, when the job was asked for (see `newJobId`). */
  id: string;
  /** The gateway's route: the stream, or tasks (created, polled, fetched). */
  route: RouteKind;
  /** The task ids of the task route, by take. */
  tasks: Record<number, string>;
  phase: JobPhase;
  percent: number | null;
  status: string | null;
  startedAt: number;
  endedAt: number | null;
  videos: VideoState[];
  /** The gateway said the whole job failed (a `videoFailed` without an index). */
  jobFailure: string | null;
  error: ErrorReport | null;
  requested: number;
  delivered: number;
  finished: boolean;
  transcript: string[];
  cancelRequested: boolean;
  /** "Try again" was clicked: the card's button says so instead of starting another job. */
  retried: boolean;
  /** Another Framecast (the CLI, say) is running it: no live updates, no cancel here. */
  elsewhere: boolean;
}

function emptyVideo(jobId: string, index: number): VideoState {
  return {
    index,
    status: "waiting",
    videoId: videoId(jobId, index),
    url: null,
    mediaUrl: null,
    fileName: null,
    downloaded: 0,
    total: null,
    saved: false,
    downloadError: null,
    discarded: false,
    reason: null,
    poster: false,
    extra: false,
  };
}

export function createJob(id: string, input: JobInput, now: number): Job {
  return {
    ...input,
    id,
    phase: "preparing",
    percent: null,
    status: null,
    startedAt: now,
    endedAt: null,
    videos: Array.from({ length: input.request.n }, (_, i) => emptyVideo(id, i + 1)),
    jobFailure: null,
    error: null,
    requested: input.request.n,
    delivered: 0,
    finished: false,
    transcript: [],
    cancelRequested: false,
    retried: false,
    elsewhere: false,
    route: "stream",
    tasks: {},
  };
}

export function isFinal(phase: JobPhase): boolean {
  return FINAL_PHASES.includes(phase);
}

/** The tile of video number `index` (1-based, as the engine and the gateway count). */
function video(job: Job, index: number): VideoState {
  const at = Math.max(0, index - 1);
  while (job.videos.length <= at) job.videos.push(emptyVideo(job.id, job.videos.length + 1));
  return job.videos[at];
}

/**
 * Applies one event to a job (mutating it: the store's jobs are reactive proxies). A saved video
 * plays from `<mediaBase>/<its id>`, as the library's do.
 */
export function applyEvent(
  job: Job,
  event: Event,
  mediaBase: string,
  now: number = Date.now(),
): void {
  switch (event.type) {
    case "status":
      if (event.phase) {
        if (!isFinal(job.phase)) job.phase = event.phase;
        // The gateway's words move on with the phase; downloading is Framecast's own step, so
        // the last words about generating no longer apply.
        if (event.text) job.status = event.text;
        else if (event.phase === "downloading") job.status = null;
      } else if (event.text && !isFinal(job.phase)) {
        // After a cancel the card keeps what it showed; only results (paid for) still land.
        job.status = event.text;
      }
      break;
    case "progress":
      if (!isFinal(job.phase)) job.percent = Math.max(0, Math.min(100, event.percent));
      break;
    case "task":
      if (job.route === "stream") job.route = "task";
      job.tasks[event.index] = event.id;
      break;
    case "task_lost":
      if (job.route === "stream") job.route = "task";
      break;
    case "video": {
      const v = video(job, event.index);
      v.status = "ready";
      v.url = event.url;
      v.extra = event.extra ?? false;
      job.delivered = delivered(job);
      break;
    }
    case "video_failed":
      if (event.index === undefined) job.jobFailure = event.reason;
      else {
        const v = video(job, event.index);
        v.status = "failed";
        v.reason = event.reason;
      }
      break;
    case "download": {
      const v = video(job, event.index);
      v.downloaded = event.bytes;
      v.total = event.total ?? null;
      break;
    }
    case "saved": {
      const v = video(job, event.index);
      v.mediaUrl = `${mediaBase}/${event.video}`;
      v.fileName = fileName(event.path);
      v.downloaded = event.bytes;
      v.total = event.bytes;
      v.saved = true;
      v.downloadError = null;
      break;
    }
    case "download_failed": {
      const v = video(job, event.index);
      // A stop is not a failure: the download is kept for later, or was discarded.
      if (event.error.kind !== "cancelled") v.downloadError = event.error;
      break;
    }
    case "finished": {
      job.finished = true;
      job.endedAt ??= now;
      job.requested = event.requested;
      job.delivered = event.delivered;
      job.error = event.error ?? null;
      job.transcript = event.transcript;
      job.phase = phaseOf(event.state);
      if (event.state === "done") job.percent = 100;
      // Whatever never arrived is missing (failed ones keep their reason).
      for (const v of job.videos) if (v.status === "waiting") v.status = "missing";
      break;
    }
  }
}

/** Videos delivered of those asked for (one beyond them is kept as a link, not counted). */
function delivered(job: Job): number {
  return job.videos.filter((x) => x.status === "ready" && !x.extra).length;
}

/** The last part of a path, whichever separator the OS uses. */
function fileName(path: string): string | null {
  return path.split(/[\\/]/).pop() ?? null;
}

/** A job that rejected before any event (no key, invalid input, …). */
export function failBeforeStart(job: Job, error: ErrorReport, now: number = Date.now()): void {
  job.error = error;
  job.finished = true;
  job.endedAt ??= now;
  job.phase = error.kind === "cancelled" ? "cancelled" : "failed";
  for (const v of job.videos) if (v.status === "waiting") v.status = "missing";
}

/** The card's phase for a job state the library recorded. */
function phaseOf(state: JobState, recorded: Phase | null = null): JobPhase {
  switch (state) {
    case "running":
      return recorded ?? "sending";
    case "downloading":
      return "downloading";
    case "done":
    case "partial":
      return "done";
    default:
      return state;
  }
}

/** A card for a job in the library (from this run or an earlier one, or another process). */
export function jobFromRecord(record: JobRecord, mediaBase: string): Job {
  const job = createJob(
    record.id,
    {
      request: {
        prompt: record.prompt,
        model: record.model,
        n: record.n,
        options: record.options,
        retryOf: record.retryOf ?? undefined,
      },
      orientation: orientationOf(record.model, "landscape"),
      price: record.priceUsd ?? pricePerVideo(record.model),
      frames: {
        start: record.startFrame ? `stored ${record.startFrame.slice(0, 12)}` : null,
        end: record.endFrame ? `stored ${record.endFrame.slice(0, 12)}` : null,
      },
    },
    record.createdAt,
  );
  job.phase = phaseOf(record.state, record.phase);
  job.percent = record.state === "done" ? 100 : record.progress;
  job.status = record.statusText;
  job.endedAt = record.finishedAt ?? (isFinal(job.phase) ? record.updatedAt : null);
  job.error = record.error;
  job.transcript = record.transcript;
  job.finished = isFinal(job.phase);
  job.elsewhere = record.state === "running";
  job.route = record.route;
  for (const r of record.videos) {
    const v = video(job, r.index);
    v.status = "ready";
    v.url = r.url;
    v.downloaded = r.bytes;
    v.total = r.total;
    v.saved = r.state === "saved";
    v.mediaUrl = v.saved ? `${mediaBase}/${r.id}` : null;
    v.fileName = r.path ? fileName(r.path) : null;
    v.downloadError = r.state === "failed" || r.state === "expired" ? r.error : null;
    v.discarded = r.state === "discarded";
    v.poster = r.poster;
  }
  for (const f of record.failures) {
    if (f.index === null) job.jobFailure = f.reason;
    else {
      const v = video(job, f.index);
      if (v.status !== "ready") {
        v.status = "failed";
        v.reason = f.reason;
      }
    }
  }
  job.delivered = delivered(job);
  if (job.finished) for (const v of job.videos) if (v.status === "waiting") v.status = "missing";
  return job;
}

/** Videos whose download is still running (or waits to continue). */
export function downloading(job: Job): VideoState[] {
  return job.videos.filter(
    (v) => v.status === "ready" && !v.saved && !v.downloadError && !v.discarded,
  );
}

/** Fewer videos arrived than were asked for. */
export function isPartial(job: Job): boolean {
  return job.finished && job.phase === "done" && job.delivered < job.requested;
}

/** The error a card shows: the engine's report, else the gateway's own reason. */
export function errorText(job: Job, lang: Lang): string | null {
  if (job.error && job.error.kind !== "cancelled") return localMessage(lang, job.error);
  if (job.jobFailure) return job.jobFailure;
  return job.phase === "failed" ? translate(lang, "noVideoDelivered") : null;
}

/** Ids of videos that are on disk (what "Save all" can copy). */
export function savedIds(job: Job): string[] {
  return job.videos.filter((v) => v.saved).map((v) => v.videoId);
}

/** The text "Copy details" puts on the clipboard. */
export function jobDetails(job: Job, version: string, now: number = Date.now()): string {
  const lines = [
    `Framecast ${version} — job ${job.id}`,
    `Started: ${new Date(job.startedAt).toISOString()} · elapsed ${formatElapsed((job.endedAt ?? now) - job.startedAt)}`,
    `Outcome: ${job.phase} · ${job.delivered} of ${job.requested} videos delivered`,
    `Model: ${job.request.model}`,
    `Videos requested (n): ${job.request.n}`,
    `Estimated price: ${formatUsd(job.price)} per video`,
    `Frames: start ${job.frames.start ?? "none"} · end ${job.frames.end ?? "none"}`,
    `Prompt: ${job.request.prompt || "(none)"}`,
  ];
  if (job.error) {
    lines.push(`Error (${job.error.kind}): ${job.error.message}`);
    if (job.error.gateway?.status) lines.push(`HTTP status: ${job.error.gateway.status}`);
    if (job.error.gateway?.code) lines.push(`Gateway code: ${job.error.gateway.code}`);
    if (job.error.gateway?.requestId) lines.push(`Request id: ${job.error.gateway.requestId}`);
  }
  if (job.jobFailure) lines.push(`Gateway said: ${job.jobFailure}`);
  for (const v of job.videos) {
    if (v.status === "failed") lines.push(`Video ${v.index} failed: ${v.reason ?? ""}`);
    if (v.downloadError) lines.push(`Video ${v.index} not saved: ${v.downloadError.message}`);
  }
  if (job.transcript.length > 0) {
    lines.push("", "Transcript:", ...job.transcript);
  }
  return lines.join("\n");
}

/**
 * Past jobs the Generate view lists at start: the latest few, as cards; every job is in the
 * Library view, whose grid pages through any number of them.
 */
export const RECENT = 12;

export class JobStore {
  jobs: Job[] = $state([]);
  /** The clock for elapsed times; ticks once a second while a job runs. */
  now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | null = null;
  /** Called when a job has ended (what it cost is in the ledger now). */
  onSettled: () => void = () => {};
  /** Where saved videos play from (the app's media server), set when the jobs are loaded. */
  mediaBase = "";

  get running(): number {
    return this.jobs.filter((j) => !isFinal(j.phase) && !j.elsewhere).length;
  }

  find(id: string): Job | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  /** Lists the library's recent jobs, then continues what a stopped Framecast left unfinished. */
  async load(mediaBase: string, limit = RECENT): Promise<void> {
    this.mediaBase = mediaBase;
    const records = await api.recentJobs(limit);
    const known = new Set(this.jobs.map((j) => j.id));
    const loaded = records.filter((r) => !known.has(r.id)).map((r) => jobFromRecord(r, mediaBase));
    this.jobs = [...this.jobs, ...loaded];
    await api.resumeDownloads(({ jobId, event }) => {
      const job = this.find(jobId);
      if (job) applyEvent(job, event, this.mediaBase);
    });
  }

  /** Creates the card at once, then asks Rust to start; returns the job's id. */
  start(input: JobInput): string {
    const id = newJobId();
    this.now = Date.now();
    this.jobs.unshift(createJob(id, input, this.now));
    const job = this.jobs[0]; // the reactive proxy
    this.#tick();
    api
      .startJob({ ...input.request, id }, (event) => {
        applyEvent(job, event, this.mediaBase);
        if (event.type === "finished") this.#settle();
      })
      .catch((e: unknown) => {
        failBeforeStart(job, errorReport(e));
        this.#settle();
      });
    return id;
  }

  /** "Try again": a new paid job with the same request and the frames `job` sent; once. */
  retry(job: Job, n: number): string | null {
    if (job.retried) return null;
    job.retried = true;
    return this.start({
      request: { ...job.request, n, retryOf: job.id },
      orientation: job.orientation,
      price: job.price,
      frames: job.frames,
    });
  }

  /**
   * Stops a job's generation at once; the card says "Cancelled" without waiting for Rust.
   * Videos already delivered go on downloading: they are paid for.
   */
  cancel(id: string): void {
    const job = this.find(id);
    if (!job || isFinal(job.phase) || job.elsewhere) return;
    job.cancelRequested = true;
    job.phase = "cancelled";
    job.endedAt = Date.now();
    void api.cancelJob(id).catch(() => {});
    this.#settle();
  }

  /** The person does not want the job's unfinished downloads. */
  async discard(id: string): Promise<void> {
    const job = this.find(id);
    if (!job) return;
    await api.discardDownloads(id);
    for (const v of downloading(job)) v.discarded = true;
  }

  /** Removes a finished card (the job and its videos stay in the library). */
  remove(id: string): void {
    const job = this.find(id);
    if (!job || !isFinal(job.phase)) return;
    this.jobs = this.jobs.filter((j) => j.id !== id);
  }

  #tick(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      this.now = Date.now();
    }, 1000);
  }

  #settle(): void {
    this.now = Date.now();
    this.onSettled();
    if (this.running === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}

export const jobs = new JobStore();
