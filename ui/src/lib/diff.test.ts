import { describe, expect, it } from "vitest";
import { diff, type Segment, side, tokenize } from "./diff";

const joined = (segments: Segment[], which: "before" | "after") =>
  side(segments, which)
    .map((s) => s.text)
    .join("");

describe("diff", () => {
  it("splits words with their spaces, and CJK into characters", () => {
    expect(tokenize("a paper  boat")).toEqual(["a", " ", "paper", "  ", "boat"]);
    expect(tokenize("纸船 drifts，慢")).toEqual(["纸", "船", " ", "drifts", "，", "慢"]);
    expect(tokenize("a street, dolly-in.")).toEqual([
      "a",
      " ",
      "street",
      ",",
      " ",
      "dolly-in",
      ".",
    ]);
  });

  it("marks the words added and removed, and each side reads back its own text", () => {
    const before = "A paper boat drifts down a street";
    const after = "A small paper boat drifts down a rain-soaked street, at dusk";
    const d = diff(before, after);
    expect(d.filter((s) => s.change === "added").map((s) => s.text)).toEqual([
      "small ",
      "rain-soaked ",
      ", at dusk",
    ]);
    expect(d.some((s) => s.change === "removed")).toBe(false);
    expect(joined(d, "before")).toBe(before);
    expect(joined(d, "after")).toBe(after);
  });

  it("diffs Chinese by character", () => {
    const before = "一只纸船在街上漂流";
    const after = "一只小纸船在雨后的街上缓缓漂流";
    const d = diff(before, after);
    expect(d.filter((s) => s.change === "added").map((s) => s.text)).toEqual([
      "小",
      "雨后的",
      "缓缓",
    ]);
    expect(joined(d, "before")).toBe(before);
    expect(joined(d, "after")).toBe(after);
  });

  it("handles empty sides and a whole replacement", () => {
    expect(diff("", "new text")).toEqual([{ change: "added", text: "new text" }]);
    expect(diff("old", "")).toEqual([{ change: "removed", text: "old" }]);
    expect(diff("same", "same")).toEqual([{ change: "same", text: "same" }]);
    const d = diff("cat", "dog");
    expect(d).toEqual([
      { change: "removed", text: "cat" },
      { change: "added", text: "dog" },
    ]);
  });
});
