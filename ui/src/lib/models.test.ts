import { describe, expect, it } from "vitest";
import {
  composeModel,
  DEFAULT_PRICES,
  estimateCost,
  formatUsd,
  KNOWN_MODELS,
  modelNameProblem,
  orientationOf,
  pricePerVideo,
} from "./models";

describe("model names", () => {
  it("compose veo-3.1 + -landscape + -fast + -fl in that order", () => {
    expect(composeModel({ orientation: "portrait", speed: "standard", withFrames: false })).toBe(
      "veo-3.1",
    );
    expect(composeModel({ orientation: "landscape", speed: "standard", withFrames: false })).toBe(
      "veo-3.1-landscape",
    );
    expect(composeModel({ orientation: "portrait", speed: "fast", withFrames: false })).toBe(
      "veo-3.1-fast",
    );
    expect(composeModel({ orientation: "portrait", speed: "standard", withFrames: true })).toBe(
      "veo-3.1-fl",
    );
    expect(composeModel({ orientation: "landscape", speed: "fast", withFrames: true })).toBe(
      "veo-3.1-landscape-fast-fl",
    );
    expect(new Set(KNOWN_MODELS).size).toBe(8);
  });

  it("read the orientation back from a name", () => {
    expect(orientationOf("veo-3.1-landscape-fast", "portrait")).toBe("landscape");
    expect(orientationOf("veo-3.1-fast-fl", "landscape")).toBe("portrait");
    expect(orientationOf("my-gateway-video", "landscape")).toBe("landscape");
  });

  it("refuse empty names and names with spaces", () => {
    expect(modelNameProblem("veo-3.1")).toBeNull();
    expect(modelNameProblem("  ")).toBe("empty");
    expect(modelNameProblem("veo 3.1")).toBe("spaces");
    expect(modelNameProblem("x".repeat(129))).toBe("long");
  });
});

describe("prices", () => {
  it("default to $0.25 standard and $0.15 fast per video", () => {
    expect(pricePerVideo("veo-3.1")).toBe(0.25);
    expect(pricePerVideo("veo-3.1-landscape-fl")).toBe(0.25);
    expect(pricePerVideo("veo-3.1-fast")).toBe(0.15);
    expect(pricePerVideo("veo-3.1-landscape-fast-fl")).toBe(0.15);
  });

  it("multiply by the count without float noise", () => {
    expect(estimateCost("veo-3.1-fast", 3)).toBe(0.45);
    expect(formatUsd(estimateCost("veo-3.1-landscape", 4))).toBe("$1.00");
    expect(formatUsd(estimateCost("veo-3.1-fast-fl", 3))).toBe("$0.45");
  });

  it("prefer an exact entry, and price unknown names by their speed", () => {
    const table = { ...DEFAULT_PRICES, models: { "veo-3.1-landscape": 0.4 } };
    expect(pricePerVideo("veo-3.1-landscape", table)).toBe(0.4);
    expect(pricePerVideo("other-veo_fast", table)).toBe(0.15);
    expect(pricePerVideo("other-veo", table)).toBe(0.25);
    expect(pricePerVideo("breakfast-model", table)).toBe(0.25);
  });
});
