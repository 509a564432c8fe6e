// Model names and prices. The picker's choices (orientation, speed, whether a start frame is
// present) compose the gateway's model name; the price table estimates what a job costs.

import type { PriceTable } from "./bindings/PriceTable";

export type Orientation = "portrait" | "landscape";
export type Speed = "standard" | "fast";

export type Resolution = "720p" | "1080p" | "4k";

export interface ModelChoice {
  orientation: Orientation;
  speed: Speed;
  /** A start frame is present: the frames-to-video variant (`-fl`). */
  withFrames: boolean;
  /** Reference images are present: the reference variant (`-r2v`), which a stream gateway names. */
  withReferences?: boolean;
  /** An upscaled variant (`_1080p`, `_4k`), which a stream gateway names. */
  resolution?: Resolution;
}

/**
 * `veo-3.1` + `-landscape` + `-fast` + `-fl` or `-r2v` + `_1080p` or `_4k`, in that order: the
 * engine's `StreamModel::name` is the same rule (pinned by `rules.test.ts`).
 */
export function composeModel({
  orientation,
  speed,
  withFrames,
  withReferences = false,
  resolution = "720p",
}: ModelChoice): string {
  let name = "veo-3.1";
  if (orientation === "landscape") name += "-landscape";
  if (speed === "fast") name += "-fast";
  if (withReferences) name += "-r2v";
  else if (withFrames) name += "-fl";
  if (resolution !== "720p") name += `_${resolution}`;
  return name;
}

/** Every name the picker can compose. */
export const KNOWN_MODELS: readonly string[] = (["portrait", "landscape"] as const).flatMap((o) =>
  (["standard", "fast"] as const).flatMap((s) =>
    [false, true].map((f) => composeModel({ orientation: o, speed: s, withFrames: f })),
  ),
);

/**
 * The orientation a model name asks for, when the name says so (`-landscape` / `-portrait`);
 * the engine's `ModelAspect::of_model` is the same rule (pinned by `rules.test.ts`).
 */
export function orientationOf(model: string, fallback: Orientation): Orientation {
  const name = model.trim().toLowerCase();
  if (name.includes("landscape")) return "landscape";
  if (name.includes("portrait")) return "portrait";
  // Veo's plain names are portrait; an unknown gateway's names say nothing.
  return name.startsWith("veo-3.1") ? "portrait" : fallback;
}

/**
 * A model name the gateway can accept: not empty, no spaces or control characters, at most 128
 * bytes (the engine's `model_problem`, pinned by `rules.test.ts`).
 */
export function modelNameProblem(model: string): "empty" | "spaces" | "control" | "long" | null {
  const name = model.trim();
  if (name === "") return "empty";
  if (/\s/.test(name)) return "spaces";
  if (/\p{Cc}/u.test(name)) return "control";
  if (new TextEncoder().encode(name).length > 128) return "long";
  return null;
}

/**
 * US dollars per delivered video, each profile's own (edited in Settings; Rust records the price
 * of each job by the same rule). Exact model names first; any other name is priced by its speed
 * (`standard` / `fast`), so a renamed model on another gateway still gets an estimate.
 */
export type { PriceTable };

export const DEFAULT_PRICES: PriceTable = {
  standard: 0.25,
  fast: 0.15,
  models: {},
  textInputPerMillion: 0,
  textOutputPerMillion: 0,
};

export function pricePerVideo(model: string, table: PriceTable = DEFAULT_PRICES): number {
  const name = model.trim();
  const exact = table.models[name];
  if (exact !== undefined) return exact;
  return /(^|[-_.])fast($|[-_.])/i.test(name) ? table.fast : table.standard;
}

/** An amount in US dollars rounded to whole cents: the one rounding of every price shown. */
export function roundCents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/** Estimated cost of `n` videos (charged per delivered video). */
export function estimateCost(model: string, n: number, table: PriceTable = DEFAULT_PRICES): number {
  return roundCents(pricePerVideo(model, table) * n);
}

export function formatUsd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}
