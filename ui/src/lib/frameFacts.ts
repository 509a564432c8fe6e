// What a slot says about its prepared frame: the final size line, what was done to the image,
// and the warnings. The orientation and pair warnings are computed here, from the facts and the
// chosen orientation, so they follow the model picker; the engine's own versions of those two
// are left out to avoid saying the same thing twice (or something stale).

import type { FrameFacts } from "./bindings/FrameFacts";
import type { Shape } from "./bindings/Shape";
import type { Warning } from "./bindings/Warning";
import { formatBytes, type Key, type Lang, localMessage, translate } from "./i18n";
import type { Orientation } from "./models";

/** "1920×1080 · JPEG · 412 KB" */
export function sizeLine(facts: FrameFacts): string {
  const format = facts.mime.replace(/^image\//, "").toUpperCase();
  return `${facts.width}×${facts.height} · ${format === "JPG" ? "JPEG" : format} · ${formatBytes(facts.bytes)}`;
}

/** What preparation did, in words: "rotated (EXIF 6)", "resized from 6000×4000", … */
export function actionWords(lang: Lang, facts: FrameFacts): string[] {
  const s = facts.source;
  const out: string[] = [];
  for (const action of facts.actions) {
    switch (action) {
      case "rotated":
        out.push(
          s.orientation > 1
            ? translate(lang, "actRotated", { n: s.orientation })
            : translate(lang, "actRotatedPlain"),
        );
        break;
      case "resized":
        out.push(translate(lang, "actResized", { w: s.width, h: s.height }));
        break;
      case "cropped":
        out.push(translate(lang, "actCropped"));
        break;
      case "converted":
        out.push(translate(lang, "actConverted", { format: s.format.toUpperCase() }));
        break;
      case "flattened":
        out.push(translate(lang, "actFlattened"));
        break;
      case "reencoded":
        out.push(translate(lang, "actReencoded"));
        break;
      case "sent_as_is":
        out.push(translate(lang, "actSentAsIs"));
        break;
    }
  }
  return out;
}

/** Warnings computed in the UI; the engine's codes for the same things are dropped. */
const UI_CODES = new Set(["shape_mismatch", "pair_size", "pair_aspect"]);

export interface SlotWarning {
  code: string;
  text: string;
}

const shapeKey: Record<Shape, Key> = {
  landscape: "shapeLandscape",
  portrait: "shapePortrait",
  square: "shapeSquare",
};

/** The frame's orientation differs from the model's (a square frame fits neither, so it warns too). */
export function orientationWarning(
  lang: Lang,
  facts: FrameFacts,
  orientation: Orientation,
): SlotWarning | null {
  if (facts.shape === orientation) return null;
  return {
    code: "orientation",
    text: translate(lang, "warnOrientation", {
      shape: translate(lang, shapeKey[facts.shape]),
      orientation: translate(
        lang,
        orientation === "landscape" ? "ratioLandscape" : "ratioPortrait",
      ),
    }),
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** "16:9", "4:3", or "1.78:1" when the ratio has no small terms. */
export function ratioText(w: number, h: number): string {
  const g = gcd(w, h) || 1;
  const [a, b] = [w / g, h / g];
  if (a <= 32 && b <= 32) return `${a}:${b}`;
  return `${(w / h).toFixed(2)}:1`;
}

/** Start and end differ in aspect (more than 1%) or, failing that, in size. */
export function pairWarning(lang: Lang, start: FrameFacts, end: FrameFacts): SlotWarning | null {
  const ra = start.width / start.height;
  const rb = end.width / end.height;
  if (Math.abs(ra - rb) / ra > 0.01) {
    return {
      code: "pair_aspect",
      text: translate(lang, "warnPairAspect", {
        a: ratioText(start.width, start.height),
        b: ratioText(end.width, end.height),
      }),
    };
  }
  if (start.width !== end.width || start.height !== end.height) {
    return {
      code: "pair_size",
      text: translate(lang, "warnPairSize", {
        a: `${start.width}×${start.height}`,
        b: `${end.width}×${end.height}`,
      }),
    };
  }
  return null;
}

/** Everything a slot should warn about, the UI's own warnings first. */
export function slotWarnings(
  lang: Lang,
  facts: FrameFacts,
  orientation: Orientation,
  other: FrameFacts | null,
  isEnd: boolean,
): SlotWarning[] {
  const out: SlotWarning[] = [];
  const o = orientationWarning(lang, facts, orientation);
  if (o) out.push(o);
  // The pair warning is about both frames; the end slot says it once.
  if (isEnd && other) {
    const p = pairWarning(lang, other, facts);
    if (p) out.push(p);
  }
  for (const w of facts.warnings as Warning[]) {
    if (!UI_CODES.has(w.code)) out.push({ code: w.code, text: localMessage(lang, w) });
  }
  return out;
}
