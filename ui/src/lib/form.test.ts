import { describe, expect, it } from "vitest";
import { disabledReason, type FormInput, reasonText } from "./form";

const empty = { filled: false, busy: false, refused: false };
const filled = { filled: true, busy: false, refused: false };
const ok: FormInput = {
  ready: true,
  hasKey: true,
  prompt: "a cat",
  model: "veo-3.1",
  start: empty,
  end: empty,
};

describe("Generate's disabled reasons", () => {
  it("allow a prompt alone, or a start frame alone", () => {
    expect(disabledReason(ok)).toBeNull();
    expect(disabledReason({ ...ok, prompt: "", start: filled })).toBeNull();
  });

  it("need a prompt or a frame", () => {
    expect(disabledReason({ ...ok, prompt: "   " })?.key).toBe("reasonNoInput");
  });

  it("refuse an end frame without a start frame", () => {
    expect(disabledReason({ ...ok, end: filled })?.key).toBe("reasonEndWithoutStart");
  });

  it("wait for a preparing frame and refuse a refused one, naming the slot", () => {
    const busy = disabledReason({ ...ok, end: { ...filled, busy: true }, start: filled });
    expect(busy?.key).toBe("reasonPreparing");
    expect(reasonText("en", busy ?? { key: "generate" })).toBe(
      "Wait for the end frame to finish preparing.",
    );
    const refused = disabledReason({ ...ok, start: { ...empty, refused: true } });
    expect(refused && reasonText("en", refused)).toMatch(/start frame was refused/);
    expect(refused && reasonText("zh", refused)).toMatch(/首帧未被接受/);
  });

  it("need an API key, and say so before anything else", () => {
    expect(disabledReason({ ...ok, hasKey: false, prompt: "" })?.key).toBe("reasonNoKey");
    expect(disabledReason({ ...ok, ready: false })?.key).toBe("reasonLoading");
  });

  it("check the model name and the prompt's length", () => {
    expect(disabledReason({ ...ok, model: "" })?.key).toBe("reasonModelEmpty");
    expect(disabledReason({ ...ok, model: "veo 3" })?.key).toBe("reasonModelSpaces");
    expect(disabledReason({ ...ok, prompt: "x".repeat(10_001) })?.key).toBe("reasonPromptLong");
  });
});
