// Stills from videos, drawn on a canvas in the window (the only place that can decode them):
// a frame at the video's full size for "Use as start/end frame", and a small poster per video,
// captured once and stored in the library. Local videos are served with CORS approval and
// played with crossorigin="anonymous", so the canvas can be read.

import { api } from "./api";
import { empty } from "./media";

/** Poster width, px (height follows the video's shape). */
export const POSTER_WIDTH = 384;
/** Where a poster is taken: a second in, or the middle of a shorter video. */
export const POSTER_AT = 1;
/** Tries per poster. */
const ATTEMPTS = 2;

function blob(canvas: HTMLCanvasElement, type: string, quality?: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (b) => {
        if (!b) reject(new Error("the frame could not be encoded"));
        else b.arrayBuffer().then((a) => resolve(new Uint8Array(a)), reject);
      },
      type,
      quality,
    );
  });
}

/** The frame `video` shows now, as a PNG at the video's own size. */
export function captureFrame(video: HTMLVideoElement): Promise<Uint8Array> {
  const { videoWidth: w, videoHeight: h } = video;
  if (!w || !h) return Promise.reject(new Error("the video has no picture yet"));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext("2d");
  if (!context) return Promise.reject(new Error("no canvas"));
  context.drawImage(video, 0, 0, w, h);
  return blob(canvas, "image/png");
}

/** A small JPEG of the frame `video` shows now. */
export function capturePoster(video: HTMLVideoElement): Promise<Uint8Array> {
  const { videoWidth: w, videoHeight: h } = video;
  if (!w || !h) return Promise.reject(new Error("the video has no picture yet"));
  const canvas = document.createElement("canvas");
  canvas.width = POSTER_WIDTH;
  canvas.height = Math.max(1, Math.round((POSTER_WIDTH * h) / w));
  const context = canvas.getContext("2d");
  if (!context) return Promise.reject(new Error("no canvas"));
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  return blob(canvas, "image/jpeg", 0.82);
}

function once(target: EventTarget, ok: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${ok} in ${ms} ms`)), ms);
    const onOk = () => done(null);
    const onError = () => done(new Error("the video could not be read"));
    function done(e: Error | null) {
      clearTimeout(timer);
      target.removeEventListener(ok, onOk);
      target.removeEventListener("error", onError);
      if (e) reject(e);
      else resolve();
    }
    target.addEventListener(ok, onOk);
    target.addEventListener("error", onError);
  });
}

/** Opens `url` in a hidden video, seeks to the poster's moment and captures it. */
async function posterOf(url: string): Promise<Uint8Array> {
  const video = document.createElement("video");
  video.crossOrigin = "anonymous";
  video.muted = true;
  video.preload = "auto";
  video.src = url;
  try {
    await once(video, "loadeddata", 10_000);
    const at = Number.isFinite(video.duration) ? Math.min(POSTER_AT, video.duration / 2) : 0;
    if (at > 0) {
      video.currentTime = at;
      await once(video, "seeked", 10_000);
    }
    // WebKit may report the frame before its size; give the decoder a moment.
    for (let i = 0; i < 20 && !video.videoWidth; i++) await new Promise((r) => setTimeout(r, 100));
    return await capturePoster(video);
  } finally {
    empty(video);
  }
}

/**
 * Posters still to capture, one at a time: a queue of video ids, each tried at most twice per
 * run. A request can be withdrawn (the tile scrolled away) before its turn.
 */
export class PosterQueue {
  #queue: { id: string; url: string; done: () => void }[] = [];
  /** Failed attempts by video id; a video is not asked for again after ATTEMPTS. */
  #tried = new Map<string, number>();
  #started = new Set<string>();
  #busy = false;
  #capture: (url: string) => Promise<Uint8Array>;
  #store: (id: string, jpeg: Uint8Array) => Promise<void>;

  constructor(
    capture: (url: string) => Promise<Uint8Array> = posterOf,
    store: (id: string, jpeg: Uint8Array) => Promise<void> = api.storePoster,
  ) {
    this.#capture = capture;
    this.#store = store;
  }

  /** Asks for video `id`'s poster from `url`; `done` runs once it is stored. */
  want(id: string, url: string, done: () => void = () => {}): void {
    if (this.#started.has(id) || this.#queue.some((q) => q.id === id)) return;
    this.#queue.push({ id, url, done });
    void this.#next();
  }

  /** Forgets requests not yet started, except for `keep`. */
  only(keep: Set<string>): void {
    this.#queue = this.#queue.filter((q) => keep.has(q.id));
  }

  get waiting(): number {
    return this.#queue.length;
  }

  async #next(): Promise<void> {
    if (this.#busy) return;
    const job = this.#queue.shift();
    if (!job) return;
    this.#busy = true;
    this.#started.add(job.id);
    try {
      await this.#store(job.id, await this.#capture(job.url));
      job.done();
    } catch {
      // A video that cannot be read (gone, not downloaded) keeps its placeholder; one that was
      // not ready (a decoder still starting) is tried once more, last.
      const attempts = (this.#tried.get(job.id) ?? 0) + 1;
      this.#tried.set(job.id, attempts);
      if (attempts < ATTEMPTS) this.#queue.push(job);
    } finally {
      this.#busy = false;
      void this.#next();
    }
  }
}

export const posters = new PosterQueue();
