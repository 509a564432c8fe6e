// Whether the form can generate, and if not, why — in the order a person should fix things.

import { type Key, type Lang, type Params, translate } from "./i18n";
import { modelNameProblem } from "./models";

export const MAX_PROMPT_CHARS = 10_000;

export interface SlotSummary {
  filled: boolean;
  busy: boolean;
  refused: boolean;
}

export interface FormInput {
  /** `appInfo` has answered. */
  ready: boolean;
  /** `appInfo` failed. */
  broken?: boolean;
  hasKey: boolean;
  prompt: string;
  model: string;
  start: SlotSummary;
  end: SlotSummary;
  /** How many reference images the form holds. */
  references?: number;
  /** The length and resolution a job would ask for (`null`: the gateway's). */
  duration?: number | null;
  resolution?: string | null;
}

export interface Reason {
  key: Key;
  params?: Params;
}

/** Number of characters as Rust counts them (code points). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function disabledReason(f: FormInput): Reason | null {
  if (f.broken) return { key: "reasonNoInfo" };
  if (!f.ready) return { key: "reasonLoading" };
  if (!f.hasKey) return { key: "reasonNoKey" };
  for (const [slot, s] of [
    ["slotStartLower", f.start],
    ["slotEndLower", f.end],
  ] as const) {
    if (s.busy) return { key: "reasonPreparing", params: { slot } };
    if (s.refused) return { key: "reasonRefused", params: { slot } };
  }
  if (f.end.filled && !f.start.filled) return { key: "reasonEndWithoutStart" };
  if ((f.references ?? 0) > 0 && (f.start.filled || f.end.filled))
    return { key: "reasonReferencesWithFrames" };
  if (f.resolution && f.resolution !== "720p" && f.duration != null && f.duration < 8)
    return { key: "reasonShortHd", params: { res: f.resolution } };
  if (f.prompt.trim() === "" && !f.start.filled) return { key: "reasonNoInput" };
  if (charCount(f.prompt) > MAX_PROMPT_CHARS)
    return { key: "reasonPromptLong", params: { max: MAX_PROMPT_CHARS } };
  switch (modelNameProblem(f.model)) {
    case "empty":
      return { key: "reasonModelEmpty" };
    case "spaces":
    case "control":
      return { key: "reasonModelSpaces" };
    case "long":
      return { key: "reasonModelLong" };
  }
  return null;
}

/** The reason in words; a `slot` parameter names a slot by its string key. */
export function reasonText(lang: Lang, reason: Reason): string {
  const params = { ...reason.params };
  if (typeof params.slot === "string") params.slot = translate(lang, params.slot as Key);
  return translate(lang, reason.key, params);
}
