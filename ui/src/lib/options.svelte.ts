// The Generate form's options beyond the prompt: length, resolution, sound, prompt enhancement,
// seed, what to avoid, and the reference images with their saved sets. What the active
// profile's route can carry comes from Rust (`capabilities`); the form offers only that, and says
// why for the rest. Rust checks the combination again before anything is recorded or sent.

import { api, errorReport } from "./api";
import type { Capabilities } from "./bindings/Capabilities";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { ReferenceSetView } from "./bindings/ReferenceSetView";
import type { ReferenceView } from "./bindings/ReferenceView";
import type { VideoOption } from "./bindings/VideoOption";
import type { VideoOptions } from "./bindings/VideoOptions";
import type { Key, Lang, Params } from "./i18n";
import type { Orientation, Resolution } from "./models";

/** Whether an option can be offered, and why not in the person's language. */
export interface Availability {
  ok: boolean;
  why: string | null;
}

/** What `caps` says of `option` (nothing known yet: offered, Rust decides at Generate). */
export function availability(
  caps: Capabilities | null,
  option: VideoOption,
  lang: Lang,
): Availability {
  const c = caps?.options.find((o) => o.option === option);
  if (!c || c.supported) return { ok: true, why: null };
  return { ok: false, why: c.reason ? (lang === "zh" ? c.reason.zh : c.reason.en) : null };
}

/** The choices the form holds; `null` leaves a choice to the gateway. */
export interface Choices {
  duration: number | null;
  resolution: Resolution | null;
  audio: boolean;
  enhance: boolean;
  seed: string;
  negative: string;
}

export const DEFAULT_CHOICES: Choices = {
  duration: null,
  resolution: null,
  audio: true,
  enhance: false,
  seed: "",
  negative: "",
};

/** A seed as typed: a whole number from 0 to 2³²−1, or nothing. */
export function parseSeed(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return null;
  const n = Number(t);
  return n <= 4294967295 ? n : null;
}

/**
 * The options a job sends: only what was chosen and what the route can carry, and the aspect
 * (the orientation picker's) where the route takes one apart from the model's name.
 */
export function requestOptions(
  c: Choices,
  caps: Capabilities | null,
  orientation: Orientation,
): VideoOptions {
  const can = (o: VideoOption) => availability(caps, o, "en").ok;
  const out: VideoOptions = {};
  if (c.duration !== null && can("duration") && caps?.durations.includes(c.duration))
    out.duration = c.duration;
  if (c.resolution !== null && can("resolution") && caps?.resolutions.includes(c.resolution))
    out.resolution = c.resolution;
  // On the stream the composed model name says the orientation.
  if (caps && caps.route !== "stream" && can("aspect")) out.aspect = orientation;
  const seed = parseSeed(c.seed);
  if (seed !== null && can("seed")) out.seed = seed;
  if (!c.audio && can("audio")) out.audio = false;
  if (c.enhance && can("enhancePrompt")) out.enhancePrompt = true;
  const negative = c.negative.trim();
  if (negative && can("negativePrompt")) out.negativePrompt = negative;
  return out;
}

/** The words of a summary, in the language `t` speaks. */
export function summaryWords(t: (key: Key, params?: Params) => string): SummaryWords {
  return {
    seconds: (n) => t("optSeconds", { n }),
    noAudio: t("optNoAudio"),
    enhanced: t("optEnhanced"),
    seed: (n) => t("optSeedIs", { n }),
    refs: t("optReferences").toLowerCase(),
  };
}

export interface SummaryWords {
  seconds: (n: number) => string;
  noAudio: string;
  enhanced: string;
  seed: (n: number) => string;
  refs: string;
}

/**
 * The options in a few words — `8 s · 1080p · no sound · 2 references` — for the collapsed
 * Options row and a job's card; nothing for the gateway's defaults.
 */
export function summaryParts(o: VideoOptions, references: number, words: SummaryWords): string[] {
  const parts: string[] = [];
  if (o.duration != null) parts.push(words.seconds(o.duration));
  if (o.resolution != null) parts.push(o.resolution);
  if (o.audio === false) parts.push(words.noAudio);
  if (o.enhancePrompt) parts.push(words.enhanced);
  if (o.seed != null) parts.push(words.seed(o.seed));
  if (references > 0) parts.push(`${references} ${words.refs}`);
  return parts;
}

export class OptionsState {
  /** Files are being dragged over the reference images. */
  dragOver = $state(false);
  open = $state(false);
  choices: Choices = $state({ ...DEFAULT_CHOICES });
  caps: Capabilities | null = $state(null);
  references: ReferenceView[] = $state([]);
  sets: ReferenceSetView[] = $state([]);
  /** A reference image is being prepared. */
  busy = $state(false);
  error: ErrorReport | null = $state(null);

  /** Asks Rust what the next job's route can carry, and the saved sets. */
  async load(): Promise<void> {
    try {
      this.caps = await api.capabilities();
      this.sets = await api.referenceSets();
    } catch (e) {
      this.error = errorReport(e);
    }
  }

  can(option: VideoOption, lang: Lang): Availability {
    return availability(this.caps, option, lang);
  }

  request(orientation: Orientation): VideoOptions {
    return requestOptions(this.choices, this.caps, orientation);
  }

  async #refs(work: () => Promise<ReferenceView[] | null>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      const views = await work();
      if (views) this.references = views;
    } catch (e) {
      this.error = errorReport(e);
    } finally {
      this.busy = false;
    }
  }

  addReference = () => this.#refs(() => api.browseReference());
  dropReference = (path: string) => this.#refs(() => api.dropReference(path));
  removeReference = (index: number) => this.#refs(() => api.removeReference(index));
  useSet = (id: number) => this.#refs(() => api.useReferenceSet(id));
  reuse = (job: string) => this.#refs(() => api.reuseReferences(job));

  async saveSet(name: string): Promise<void> {
    try {
      this.sets = await api.saveReferenceSet(name);
    } catch (e) {
      this.error = errorReport(e);
    }
  }

  async forgetSet(id: number): Promise<void> {
    try {
      this.sets = await api.removeReferenceSet(id);
    } catch (e) {
      this.error = errorReport(e);
    }
  }
}

export const options = new OptionsState();
