// Jobs and their cards' state. `applyEvent` reduces a job's `JobEvent`s (pure over a plain
// object, so it is tested without components); `JobStore` starts, cancels and retries jobs and
// keeps the ticking clock for elapsed times.

import { api, errorReport } from "./api";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { JobEvent } from "./bindings/JobEvent";
import type { Phase } from "./bindings/Phase";
import type { StartJob } from "./bindings/StartJob";
import { formatElapsed, type Lang, localMessage, translate } from "./i18n";
import { formatUsd, type Orientation } from "./models";

export type JobPhase = Phase | "done" | "failed" | "cancelled";

export const FINAL_PHASES: readonly JobPhase[] = ["done", "failed", "cancelled"];

export interface VideoState {
  index: number;
  status: "waiting" | "ready" | "failed" | "missing";
  videoId: string | null;
  /** The gateway's URL: playable at once. */
  url: string | null;
  /** The downloaded file, served locally; preferred once present. */
  mediaUrl: string | null;
  fileName: string | null;
  downloaded: number;
  total: number | null;
  saved: boolean;
  downloadError: ErrorReport | null;
  /** Why the gateway said this video failed. */
  reason: string | null;
}

/** What the job was asked for, to show, copy and retry. */
export interface JobInput {
  request: StartJob;
  /** The orientation the videos will have (sizes the tiles before they arrive). */
  orientation: Orientation;
  /** USD per delivered video, from the price table when the job started. */
  price: number;
  frames: { start: string | null; end: string | null };
}

export interface Job extends JobInput {
  key: string;
  id: string | null;
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
}

function emptyVideo(index: number): VideoState {
  return {
    index,
    status: "waiting",
    videoId: null,
    url: null,
    mediaUrl: null,
    fileName: null,
    downloaded: 0,
    total: null,
    saved: false,
    downloadError: null,
    reason: null,
  };
}

export function createJob(key: string, input: JobInput, now: number): Job {
  return {
    ...input,
    key,
    id: null,
    phase: "preparing",
    percent: null,
    status: null,
    startedAt: now,
    endedAt: null,
    videos: Array.from({ length: input.request.n }, (_, i) => emptyVideo(i + 1)),
    jobFailure: null,
    error: null,
    requested: input.request.n,
    delivered: 0,
    finished: false,
    transcript: [],
    cancelRequested: false,
  };
}

export function isFinal(phase: JobPhase): boolean {
  return FINAL_PHASES.includes(phase);
}

/** The tile of video number `index` (1-based, as the engine and the gateway count). */
function video(job: Job, index: number): VideoState {
  const at = Math.max(0, index - 1);
  while (job.videos.length <= at) job.videos.push(emptyVideo(job.videos.length + 1));
  return job.videos[at];
}

/** Applies one event to a job (mutating it: the store's jobs are reactive proxies). */
export function applyEvent(job: Job, event: JobEvent, now: number = Date.now()): void {
  switch (event.type) {
    case "phase":
      if (!isFinal(job.phase)) job.phase = event.phase;
      // The gateway's words move on with the phase; downloading is Framecast's own step, so
      // the last words about generating no longer apply.
      if (event.text) job.status = event.text;
      else if (event.phase === "downloading") job.status = null;
      break;
    // After a cancel the card keeps what it showed; only results (paid for) still land.
    case "status":
      if (event.text && !isFinal(job.phase)) job.status = event.text;
      break;
    case "progress":
      if (!isFinal(job.phase)) job.percent = Math.max(0, Math.min(100, event.percent));
      break;
    case "video": {
      const v = video(job, event.index);
      v.status = "ready";
      v.videoId = event.videoId;
      v.url = event.url;
      job.delivered = job.videos.filter((x) => x.status === "ready").length;
      break;
    }
    case "videoFailed":
      if (event.index === null) job.jobFailure = event.reason;
      else {
        const v = video(job, event.index);
        v.status = "failed";
        v.reason = event.reason;
      }
      break;
    case "download": {
      const v = video(job, event.index);
      v.downloaded = event.bytes;
      v.total = event.total;
      break;
    }
    case "saved": {
      const v = video(job, event.index);
      v.videoId = event.videoId;
      v.mediaUrl = event.mediaUrl;
      v.fileName = event.fileName;
      v.downloaded = event.bytes;
      v.total = event.bytes;
      v.saved = true;
      break;
    }
    case "downloadFailed":
      video(job, event.index).downloadError = event.error;
      break;
    case "finished": {
      job.finished = true;
      job.endedAt ??= now;
      job.requested = event.requested;
      job.delivered = event.delivered;
      job.error = event.error;
      job.transcript = event.transcript;
      const cancelled = event.error?.kind === "cancelled" || (job.cancelRequested && !event.ok);
      if (event.ok) job.phase = "done";
      else if (cancelled) job.phase = "cancelled";
      else job.phase = event.delivered > 0 ? "done" : "failed";
      if (event.ok) job.percent = 100;
      // Whatever never arrived is missing (failed ones keep their reason).
      for (const v of job.videos) if (v.status === "waiting") v.status = "missing";
      break;
    }
  }
}

/** A job that rejected before any event (no key, invalid input, …). */
export function failBeforeStart(job: Job, error: ErrorReport, now: number = Date.now()): void {
  job.error = error;
  job.finished = true;
  job.endedAt ??= now;
  job.phase = error.kind === "cancelled" ? "cancelled" : "failed";
  for (const v of job.videos) if (v.status === "waiting") v.status = "missing";
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
  return job.videos.filter((v) => v.saved && v.videoId).map((v) => v.videoId as string);
}

/** The text "Copy details" puts on the clipboard. */
export function jobDetails(job: Job, version: string, now: number = Date.now()): string {
  const lines = [
    `Framecast ${version} — job ${job.id ?? "(not started)"}`,
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

export class JobStore {
  jobs: Job[] = $state([]);
  /** The clock for elapsed times; ticks once a second while a job runs. */
  now = $state(Date.now());
  #next = 0;
  #timer: ReturnType<typeof setInterval> | null = null;

  get running(): number {
    return this.jobs.filter((j) => !isFinal(j.phase)).length;
  }

  find(key: string): Job | undefined {
    return this.jobs.find((j) => j.key === key);
  }

  /** Creates the card at once, then asks Rust to start; returns the card's key. */
  start(input: JobInput): string {
    const key = `local-${++this.#next}`;
    this.now = Date.now();
    this.jobs.unshift(createJob(key, input, this.now));
    const job = this.jobs[0]; // the reactive proxy
    this.#tick();
    api
      .startJob(input.request, (event) => {
        applyEvent(job, event);
        if (event.type === "finished") this.#settle();
      })
      .then((id) => {
        job.id = id;
        if (job.cancelRequested && !job.finished) void api.cancelJob(id).catch(() => {});
      })
      .catch((e: unknown) => {
        failBeforeStart(job, errorReport(e));
        this.#settle();
      });
    return key;
  }

  /** Stops a job at once; the card says "Cancelled" without waiting for Rust's confirmation. */
  cancel(key: string): void {
    const job = this.find(key);
    if (!job || isFinal(job.phase)) return;
    job.cancelRequested = true;
    job.phase = "cancelled";
    job.endedAt = Date.now();
    if (job.id) void api.cancelJob(job.id).catch(() => {});
    this.#settle();
  }

  /** Removes a finished card (its saved videos stay in the library). */
  remove(key: string): void {
    const job = this.find(key);
    if (!job || !isFinal(job.phase)) return;
    this.jobs = this.jobs.filter((j) => j.key !== key);
  }

  #tick(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      this.now = Date.now();
    }, 1000);
  }

  #settle(): void {
    this.now = Date.now();
    if (this.running === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}

export const jobs = new JobStore();
