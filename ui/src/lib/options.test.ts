// The form's options against what Rust says a route can carry: only what the route carries is
// sent, and what it cannot carry is greyed with Rust's reason.

import { describe, expect, it } from "vitest";
import type { Capabilities } from "./bindings/Capabilities";
import { availability, DEFAULT_CHOICES, parseSeed, requestOptions } from "./options.svelte";

const cap = (option: string, supported: boolean, en = "no field for it") => ({
  option,
  supported,
  encodable: supported,
  ...(supported ? {} : { reason: { en, zh: "没有此字段" } }),
});

const stream = {
  route: "stream",
  options: [
    cap("duration", false, "its videos are 8 seconds"),
    cap("resolution", true),
    cap("aspect", true),
    cap("negativePrompt", false),
    cap("seed", false),
    cap("audio", false),
    cap("enhancePrompt", false),
    cap("references", true),
  ],
  durations: [8],
  resolutions: ["720p", "1080p", "4k"],
} as Capabilities;

const task = {
  route: "task",
  options: [
    cap("duration", true),
    cap("resolution", true),
    cap("aspect", true),
    cap("negativePrompt", true),
    cap("seed", true),
    cap("audio", true),
    cap("enhancePrompt", false),
    cap("references", false),
  ],
  durations: [4, 6, 8],
  resolutions: ["720p", "1080p", "4k"],
} as Capabilities;

const chosen = {
  ...DEFAULT_CHOICES,
  duration: 6,
  resolution: "1080p" as const,
  audio: false,
  enhance: true,
  seed: " 42 ",
  negative: " rain ",
};

describe("the form's options", () => {
  it("say why an option is greyed, in the person's language", () => {
    expect(availability(stream, "seed", "en")).toEqual({ ok: false, why: "no field for it" });
    expect(availability(stream, "seed", "zh").why).toBe("没有此字段");
    expect(availability(stream, "references", "en").ok).toBe(true);
    expect(availability(null, "seed", "en").ok).toBe(true);
  });

  it("send only what the route carries", () => {
    expect(requestOptions(chosen, task, "landscape")).toEqual({
      duration: 6,
      resolution: "1080p",
      aspect: "landscape",
      seed: 42,
      audio: false,
      negativePrompt: "rain",
    });
    // The stream's model name says the orientation; the rest it cannot carry is not sent.
    expect(requestOptions(chosen, stream, "landscape")).toEqual({ resolution: "1080p" });
    expect(requestOptions(DEFAULT_CHOICES, task, "portrait")).toEqual({ aspect: "portrait" });
  });

  it("read a seed only when it is one", () => {
    expect(parseSeed("7")).toBe(7);
    expect(parseSeed("4294967295")).toBe(4294967295);
    expect(parseSeed("4294967296")).toBeNull();
    expect(parseSeed("-1")).toBeNull();
    expect(parseSeed("")).toBeNull();
  });
});
