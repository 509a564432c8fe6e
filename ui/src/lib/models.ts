// Model names and prices. The picker's choices (orientation, speed, whether a start frame is
// present) compose the gateway's model name; the price table estimates what a job costs.

import type { PriceTable } from "./bindings/PriceTable";

export type Orientation = "portrait" | "landscape";
export type Speed = "standard" | "fast";

export interface ModelChoice {
  orientation: Orientation;
  speed: Speed;
  /** A start frame is present: the frames-to-video variant (`-fl`). */
  withFrames: boolean;
}

/** `veo-3.1` + `-landscape` + `-fast` + `-fl`, in that order. */
export function composeModel({ orientation, speed, withFrames }: ModelChoice): string {
  let name = "veo-3.1";
  if (orientation === "landscape") name += "-landscape";
  if (speed === "fast") name += "-fast";
  if (withFrames) name += "-fl";
  return name;
}

/** Every name the picker can compose. */
export const KNOWN_MODELS: readonly string[] = (["portrait", "landscape"] as const).flatMap((o) =>
  (["standard", "fast"] as const).flatMap((s) =>
    [false, true].map((f) => composeModel({ orientation: o, speed: s, withFrames: f })),
  ),
);

/** The orientation a model name asks for, when the name says so (`-landscape` / `-portrait`). */
export function orientationOf(model: string, fallback: Orientation): Orientation {
  const name = model.toLowerCase();
  if (name.includes("landscape")) return "landscape";
  if (name.includes("portrait")) return "portrait";
  // Veo's plain names are portrait; an unknown gateway's names say nothing.
  return name.startsWith("veo-3.1") ? "portrait" : fallback;
}

/** A model name the gateway can accept: not empty, no spaces, at most 128 bytes. */
export function modelNameProblem(model: string): "empty" | "spaces" | "long" | null {
  const name = model.trim();
  if (name === "") return "empty";
  if (/\s/.test(name)) return "spaces";
  if (new TextEncoder().encode(name).length > 128) return "long";
  return null;
}

/**
 * US dollars per delivered video, each profile's own (edited in Settings; Rust records the price
 * of each job by the same rule). Exact model names first; any other name is priced by its speed
 * (`standard` / `fast`), so a renamed model on another gateway still gets an estimate.
 */
export type { PriceTable };

export const DEFAULT_PRICES: PriceTable = { standard: 0.25, fast: 0.15, models: {} };

export function pricePerVideo(model: string, table: PriceTable = DEFAULT_PRICES): number {
  const name = model.trim();
  const exact = table.models[name];
  if (exact !== undefined) return exact;
  return /(^|[-_.])fast($|[-_.])/i.test(name) ? table.fast : table.standard;
}

/** Estimated cost of `n` videos (charged per delivered video). */
export function estimateCost(model: string, n: number, table: PriceTable = DEFAULT_PRICES): number {
  return Math.round(pricePerVideo(model, table) * n * 100) / 100;
}

export function formatUsd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}
