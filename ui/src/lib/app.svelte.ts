// The window as a whole: what Rust says about the gateway (asked again when the settings
// change), which view is shown, the model name the choices compose, the orientation suggested by
// the start frame, and whether Generate may run.

import { api, errorReport } from "./api";
import type { AppInfo } from "./bindings/AppInfo";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { FrameView } from "./bindings/FrameView";
import type { LibraryItem } from "./bindings/LibraryItem";
import { disabledReason, type Reason } from "./form";
import { frames } from "./frames.svelte";
import { isFinal, jobFromRecord, jobs } from "./jobs.svelte";
import {
  composeModel,
  DEFAULT_PRICES,
  estimateCost,
  KNOWN_MODELS,
  type Orientation,
  orientationOf,
  type PriceTable,
  pricePerVideo,
} from "./models";
import { options } from "./options.svelte";
import { type Count, settings } from "./settings.svelte";
import { type BudgetCheck, overBudget, spend } from "./spend.svelte";

/** How long Generate rests after starting a job. */
export const REST_MS = 1200;

export type View = "generate" | "library" | "batch" | "storyboard" | "settings";

export class AppState {
  info: AppInfo | null = $state(null);
  view: View = $state("generate");
  infoError: ErrorReport | null = $state(null);
  /** The orientation was switched to match the start frame (said once, under the picker). */
  autoSwitched: Orientation | null = $state(null);
  /** A job was just started: Generate rests a moment, so a double click starts one job. */
  justStarted = $state(false);
  /** Generate was clicked once over the monthly budget: the next click goes ahead. */
  budgetAsked = $state(false);
  #rest: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    frames.onStartFilled = (view) => this.startFilled(view);
    // A job that ended moved its cost from "may still deliver" to the month's spend.
    jobs.onSettled = () => void spend.load().catch(() => {});
  }

  async load(): Promise<void> {
    if (!(await this.refresh())) return;
    void api.setLanguage(settings.lang).catch(() => {});
    void spend.load().catch(() => {});
    try {
      await jobs.load(this.info?.mediaBase ?? "");
    } catch (e) {
      this.infoError = errorReport(e);
    }
  }

  /** Asks Rust again what the gateway is (after the settings or the demo changed). */
  async refresh(): Promise<boolean> {
    try {
      this.info = await api.appInfo();
      this.infoError = null;
      // What the (possibly new) profile's route can carry.
      void options.load();
      return true;
    } catch (e) {
      this.infoError = errorReport(e);
      return false;
    }
  }

  /** Starts the offline demo and shows the form. */
  async tryDemo(): Promise<void> {
    await api.startDemo();
    await this.refresh();
    this.view = "generate";
  }

  async leaveDemo(): Promise<void> {
    await api.leaveDemo();
    await this.refresh();
  }

  /** The active profile's price table. */
  get prices(): PriceTable {
    return this.info?.prices ?? DEFAULT_PRICES;
  }

  get hasStart(): boolean {
    return frames.start.view !== null;
  }

  /**
   * The name the picker's choices make; on the stream route it also says the reference images
   * and the resolution (Rust composes the same name, and refuses what a name cannot say).
   */
  get composedModel(): string {
    const stream = options.caps?.route === "stream";
    const resolution = options.request(settings.orientation).resolution;
    return composeModel({
      orientation: settings.orientation,
      speed: settings.speed,
      withFrames: this.hasStart,
      withReferences: stream && options.references.length > 0,
      resolution: stream && resolution ? resolution : "720p",
    });
  }

  /** The name that will be sent: typed by hand, or composed. */
  get model(): string {
    return settings.modelOverride ?? this.composedModel;
  }

  get orientation(): Orientation {
    return settings.modelOverride === null
      ? settings.orientation
      : orientationOf(settings.modelOverride, settings.orientation);
  }

  get estimate(): number {
    return estimateCost(this.model, settings.count, this.prices);
  }

  /** What running jobs may still deliver (and cost) this month. */
  get pending(): number {
    return jobs.jobs
      .filter((j) => !isFinal(j.phase) && !j.elsewhere)
      .reduce((sum, j) => sum + j.price * Math.max(0, j.requested - j.delivered), 0);
  }

  /** Whether `cost` more would take this month over the budget, and to what. */
  overBudget(cost: number = this.estimate): BudgetCheck | null {
    return overBudget(spend.report, this.pending, cost);
  }

  get reason(): Reason | null {
    const slot = (s: "start" | "end") => ({
      filled: frames.slots[s].view !== null,
      busy: frames.slots[s].busy !== null,
      refused: frames.slots[s].error !== null,
    });
    const sent = options.request(this.orientation);
    return disabledReason({
      ready: this.info !== null,
      broken: this.infoError !== null,
      hasKey: this.info?.ready ?? false,
      prompt: settings.prompt,
      model: this.model,
      start: slot("start"),
      end: slot("end"),
      references: options.references.length,
      duration: sent.duration ?? null,
      resolution: sent.resolution ?? null,
    });
  }

  /** The start frame's shape, when it disagrees with the chosen orientation. */
  get suggestedOrientation(): Orientation | null {
    const shape = frames.start.view?.facts.shape;
    if (!shape || shape === "square" || shape === settings.orientation) return null;
    return shape;
  }

  pickOrientation(orientation: Orientation): void {
    settings.orientation = orientation;
    settings.orientationExplicit = true;
    this.autoSwitched = null;
  }

  /** A new start frame suggests its orientation; it switches unless the person chose one. */
  startFilled(view: FrameView): void {
    const shape = view.facts.shape;
    if (shape === "square" || settings.orientationExplicit) {
      this.autoSwitched = null;
      return;
    }
    if (shape !== settings.orientation) {
      settings.orientation = shape;
      this.autoSwitched = shape;
    }
  }

  /**
   * Starts a job from the form; returns its id, or null if the form is not ready or a job was
   * started a moment ago (a double click, a repeated shortcut).
   */
  generate(): string | null {
    if (this.reason || this.justStarted) return null;
    if (this.overBudget() && !this.budgetAsked) {
      this.budgetAsked = true;
      return null;
    }
    this.budgetAsked = false;
    this.justStarted = true;
    if (this.#rest !== null) clearTimeout(this.#rest);
    this.#rest = setTimeout(() => {
      this.justStarted = false;
      this.#rest = null;
    }, REST_MS);
    const model = this.model.trim();
    const describe = (v: FrameView | null) =>
      v ? `${v.facts.width}×${v.facts.height} ${v.facts.mime}` : null;
    return jobs.start({
      request: {
        prompt: settings.prompt.trim(),
        model,
        n: settings.count,
        options: options.request(this.orientation),
      },
      orientation: this.orientation,
      price: pricePerVideo(model, this.prices),
      frames: { start: describe(frames.start.view), end: describe(frames.end.view) },
    });
  }

  /**
   * "Reuse": the Generate form takes a past job's prompt, model, count and frames (the frames
   * it sent, from the library's store, go into the slots in Rust).
   */
  async reuse(item: Pick<LibraryItem, "id" | "prompt" | "model" | "n">): Promise<void> {
    const views = await api.reuseFrames(item.id);
    frames.took(views);
    await options.reuse(item.id);
    settings.prompt = item.prompt;
    settings.count = Math.min(4, Math.max(1, item.n)) as Count;
    const model = item.model.trim();
    const composed = KNOWN_MODELS.includes(model);
    if (composed) {
      settings.orientation = orientationOf(model, settings.orientation);
      settings.orientationExplicit = true;
      settings.speed = model.includes("-fast") ? "fast" : "standard";
    }
    // A name the picker composes only with the frames the job had; otherwise keep it as typed.
    settings.modelOverride = composed && model === this.composedModel ? null : model;
    this.budgetAsked = false;
    this.view = "generate";
  }

  /**
   * "Run again": a new paid job with a past job's settings and the frames it sent (the "Try
   * again" path, `retryOf`); its card appears in the Generate view. Returns the new job's id.
   */
  async runAgain(id: string): Promise<string | null> {
    const record = await api.libraryJob(id);
    const job = jobFromRecord(record, this.info?.mediaBase ?? "");
    const started = jobs.retry(job, record.n);
    this.view = "generate";
    return started;
  }
}

export const app = new AppState();
