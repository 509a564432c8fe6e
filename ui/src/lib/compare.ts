// Takes side by side, driven as one: play, pause, seek and frame steps go to every video, and
// the others follow the first (the leader) whenever they drift from it by more than a frame's
// worth. Works on anything shaped like a media element, so it is tested without a browser.

/** Veo makes 24 frames a second. */
export const FPS = 24;
/**
 * How far a follower may drift before it is put back in step, seconds: a few frames, since a
 * seek in a playing video takes longer than one and would otherwise stutter in a loop.
 */
export const TOLERANCE = 0.15;

/** A take as the compare view shows it. */
export interface CompareTake {
  /** The video's id. */
  id: string;
  label: string;
  favourite: boolean;
  poster: boolean;
}

export interface Playable {
  currentTime: number;
  readonly duration: number;
  readonly paused: boolean;
  /** Still moving to a time asked for; not asked again until it is there. */
  readonly seeking?: boolean;
  play(): Promise<void> | void;
  pause(): void;
}

export class Sync {
  #videos: Playable[] = [];

  set(videos: Playable[]): void {
    this.#videos = videos.filter(Boolean);
  }

  get leader(): Playable | undefined {
    return this.#videos[0];
  }

  /** The shortest take's length: seeking stays inside every take. */
  get duration(): number {
    const d = this.#videos.map((v) => v.duration).filter((x) => Number.isFinite(x) && x > 0);
    return d.length ? Math.min(...d) : 0;
  }

  get playing(): boolean {
    return this.leader ? !this.leader.paused : false;
  }

  async play(): Promise<void> {
    this.align(true);
    await Promise.all(this.#videos.map((v) => Promise.resolve(v.play()).catch(() => {})));
  }

  pause(): void {
    for (const v of this.#videos) v.pause();
    this.align(true);
  }

  toggle(): Promise<void> | void {
    return this.playing ? this.pause() : this.play();
  }

  seek(seconds: number): void {
    const t = Math.max(0, Math.min(seconds, this.duration || seconds));
    for (const v of this.#videos) v.currentTime = t;
  }

  /** Pauses, then moves `frames` frames (negative: back). */
  step(frames: number): void {
    this.pause();
    const from = this.leader?.currentTime ?? 0;
    this.seek(Math.round((from + frames / FPS) * FPS) / FPS);
  }

  /**
   * Puts followers back at the leader's time (all of them when `exact`, else only drifters not
   * already seeking). Playing stops where the shortest take ends.
   */
  align(exact = false): void {
    const leader = this.leader;
    if (!leader) return;
    if (!exact && this.duration > 0 && leader.currentTime >= this.duration) {
      this.pause();
      return;
    }
    for (const v of this.#videos.slice(1)) {
      if (exact || (!v.seeking && Math.abs(v.currentTime - leader.currentTime) > TOLERANCE)) {
        v.currentTime = leader.currentTime;
      }
    }
  }
}
