// The UI's side of the rules the engine keeps too, checked against the same cases as Rust's
// `crates/framecast-core/tests/rules.rs`: when either side changes a rule, one of them fails.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { videoId } from "./jobId";
import {
  composeModel,
  DEFAULT_PRICES,
  estimateCost,
  modelNameProblem,
  orientationOf,
  pricePerVideo,
  roundCents,
} from "./models";

// Vitest runs in ui/; the cases live beside the engine's test.
const rules = JSON.parse(
  readFileSync(resolve(process.cwd(), "../crates/framecast-core/tests/rules.json"), "utf8"),
);

describe("the rules shared with the engine", () => {
  it("read the orientation from a model name", () => {
    for (const c of rules.orientation) {
      // The UI falls back to the form's choice where the engine says nothing.
      expect(orientationOf(c.model, "landscape"), c.model).toBe(c.is ?? "landscape");
      expect(orientationOf(c.model, "portrait"), c.model).toBe(c.is ?? "portrait");
    }
  });

  it("say what is wrong with a model name", () => {
    for (const c of rules.modelName) expect(modelNameProblem(c.name), c.name).toBe(c.problem);
  });

  it("compose a stream model name that says the options", () => {
    for (const c of rules.streamModel) {
      const name = composeModel({
        orientation: c.orientation,
        speed: c.speed,
        withFrames: c.frames,
        withReferences: c.references,
        resolution: c.resolution,
      });
      expect(name, c.name).toBe(c.name);
    }
  });

  it("price, estimate and round to cents", () => {
    for (const c of rules.priceTier) {
      expect(pricePerVideo(c.model), c.model).toBe(DEFAULT_PRICES[c.tier as "fast" | "standard"]);
    }
    for (const c of rules.estimate) expect(estimateCost(c.model, c.n), c.model).toBe(c.usd);
    for (const c of rules.cents) expect(roundCents(c.usd + c.plus)).toBe(c.is);
  });

  it("name a job's takes", () => {
    for (const c of rules.videoId) expect(videoId(c.job, c.index)).toBe(c.id);
  });
});
