// What changed between a prompt and its suggestion, for the side-by-side view: a word-level diff
// for text with spaces, a character-level one inside runs of CJK (which has no spaces to split
// on). Pure; the longest common subsequence of the tokens decides what stayed.

export type Change = "same" | "added" | "removed";

export interface Segment {
  change: Change;
  text: string;
}

/** CJK ideographs, kana, Hangul and full-width punctuation: each such character is a token. */
const CJK =
  /[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/u;

/** Letters, digits and the marks inside a word (don't, dolly-in). */
const WORD = /[\p{L}\p{N}\p{M}'’_-]/u;

/**
 * Tokens: a word, a run of white space, or one other character (a CJK character, a punctuation
 * mark), so "street" and "street," share their word.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let kind: "word" | "space" | null = null;
  for (const c of text) {
    const next = CJK.test(c) ? null : /\s/u.test(c) ? "space" : WORD.test(c) ? "word" : null;
    if (current && (next === null || next !== kind)) {
      tokens.push(current);
      current = "";
    }
    if (next === null) {
      tokens.push(c);
      kind = null;
    } else {
      current += c;
      kind = next;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

/** Past this many token pairs the table would be too big: the whole text counts as changed. */
const MAX_CELLS = 4_000_000;

/** The segments of `before` and `after`, in order, adjacent segments of one kind joined. */
export function diff(before: string, after: string): Segment[] {
  const a = tokenize(before);
  const b = tokenize(after);
  // Common head and tail are kept out of the table.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const out: Segment[] = [];
  const push = (change: Change, text: string) => {
    if (!text) return;
    const last = out.at(-1);
    if (last && last.change === change) last.text += text;
    else out.push({ change, text });
  };
  push("same", a.slice(0, head).join(""));
  if (x.length * y.length > MAX_CELLS) {
    push("removed", x.join(""));
    push("added", y.join(""));
  } else {
    // lcs[i][j]: the common length of x[i..] and y[j..].
    const w = y.length + 1;
    const lcs = new Uint32Array((x.length + 1) * w);
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        lcs[i * w + j] =
          x[i] === y[j]
            ? lcs[(i + 1) * w + j + 1] + 1
            : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < x.length && j < y.length) {
      if (x[i] === y[j]) {
        push("same", x[i]);
        i++;
        j++;
      } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
        push("removed", x[i++]);
      } else {
        push("added", y[j++]);
      }
    }
    while (i < x.length) push("removed", x[i++]);
    while (j < y.length) push("added", y[j++]);
  }
  push("same", a.slice(a.length - tail).join(""));
  return out;
}

/** The segments one side shows: the original keeps what was removed, the suggestion what was added. */
export function side(segments: Segment[], which: "before" | "after"): Segment[] {
  const hidden: Change = which === "before" ? "added" : "removed";
  return segments.filter((s) => s.change !== hidden);
}
