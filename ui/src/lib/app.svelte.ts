// The window as a whole: what Rust says about the gateway (asked again when the settings
// change), which view is shown, the model name the choices compose, the orientation suggested by
// the start frame, and whether Generate may run.

import { api, errorReport } from "./api";
import type { AppInfo } from "./bindings/AppInfo";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { FrameView } from "./bindings/FrameView";
import { disabledReason, type Reason } from "./form";
import { frames } from "./frames.svelte";
import { jobs } from "./jobs.svelte";
import {
  composeModel,
  DEFAULT_PRICES,
  estimateCost,
  type Orientation,
  orientationOf,
  type PriceTable,
  pricePerVideo,
} from "./models";
import { settings } from "./settings.svelte";

/** How long Generate rests after starting a job. */
export const REST_MS = 1200;

export type View = "generate" | "settings";

export class AppState {
  info: AppInfo | null = $state(null);
  view: View = $state("generate");
  infoError: ErrorReport | null = $state(null);
  /** The orientation was switched to match the start frame (said once, under the picker). */
  autoSwitched: Orientation | null = $state(null);
  /** A job was just started: Generate rests a moment, so a double click starts one job. */
  justStarted = $state(false);
  #rest: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    frames.onStartFilled = (view) => this.startFilled(view);
  }

  async load(): Promise<void> {
    if (!(await this.refresh())) return;
    void api.setLanguage(settings.lang).catch(() => {});
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

  /** The name the picker's choices make. */
  get composedModel(): string {
    return composeModel({
      orientation: settings.orientation,
      speed: settings.speed,
      withFrames: this.hasStart,
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

  get reason(): Reason | null {
    const slot = (s: "start" | "end") => ({
      filled: frames.slots[s].view !== null,
      busy: frames.slots[s].busy !== null,
      refused: frames.slots[s].error !== null,
    });
    return disabledReason({
      ready: this.info !== null,
      broken: this.infoError !== null,
      hasKey: this.info?.ready ?? false,
      prompt: settings.prompt,
      model: this.model,
      start: slot("start"),
      end: slot("end"),
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
      request: { prompt: settings.prompt.trim(), model, n: settings.count },
      orientation: this.orientation,
      price: pricePerVideo(model, this.prices),
      frames: { start: describe(frames.start.view), end: describe(frames.end.view) },
    });
  }
}

export const app = new AppState();
