// What a slot says about its prepared frame: the final size line, what was done to the image,
// and the warnings. Nothing is computed here: the shape and pair advice come from Rust for the
// chosen orientation (`frames.advice`), the rest from the frame's facts.

import type { FrameFacts } from "./bindings/FrameFacts";
import type { Warning } from "./bindings/Warning";
import { formatBytes, type Lang, localMessage, translate } from "./i18n";

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

export interface SlotWarning {
  code: string;
  text: string;
}

/**
 * Everything a slot should warn about: Rust's advice for the chosen orientation (the frame's
 * shape, and on the end slot how the pair differs) first, then what preparing it found.
 */
export function slotWarnings(lang: Lang, facts: FrameFacts, advice: Warning[]): SlotWarning[] {
  return [...advice, ...(facts.warnings as Warning[])].map((w) => ({
    code: w.code,
    text: localMessage(lang, w),
  }));
}
