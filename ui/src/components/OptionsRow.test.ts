import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { options } from "../lib/options.svelte";
import { settings } from "../lib/settings.svelte";
import { clearMocks, flush, installIpc } from "../test/ipc";
import OptionsRow from "./OptionsRow.svelte";

const cap = (option: string, supported: boolean, en = "", zh = "") => ({
  option,
  supported,
  encodable: supported,
  ...(supported ? {} : { reason: { en, zh } }),
});

// The stream route of a gateway that lists no reference-image model.
const streamCaps = {
  route: "stream",
  options: [
    cap("duration", false, "its videos are 8 seconds", "视频为 8 秒"),
    cap("resolution", true),
    cap("aspect", true),
    cap("negativePrompt", false, "a model name cannot say it", "模型名称无法表达"),
    cap("seed", false, "a model name cannot say it", "模型名称无法表达"),
    cap("audio", false, "a model name cannot say it", "模型名称无法表达"),
    cap("enhancePrompt", false, "a model name cannot say it", "模型名称无法表达"),
    cap("references", false, "your gateway lists no r2v model", "您的网关没有 r2v 模型"),
  ],
  durations: [8],
  resolutions: ["720p", "1080p"],
};

const unifiedCaps = {
  route: "unified",
  options: [
    cap("duration", false, "no duration field", "没有时长字段"),
    cap("resolution", true),
    cap("aspect", true),
    cap("negativePrompt", false, "no field", "没有字段"),
    cap("seed", false, "no field", "没有字段"),
    cap("audio", false, "no field", "没有字段"),
    cap("enhancePrompt", true),
    cap("references", true),
  ],
  durations: [8],
  resolutions: ["720p", "1080p"],
  referenceModel: "veo3.1-components",
};

function ipc(caps: object) {
  return installIpc({
    capabilities: () => caps,
    reference_sets: () => [
      { id: 1, name: "our bottle", thumbnails: ["data:image/jpeg;base64,AA"] },
    ],
    use_reference_set: () => [
      { thumbnail: "data:image/jpeg;base64,AA", facts: { sha256: "a".repeat(64) } },
    ],
  });
}

describe("the options row", () => {
  beforeEach(() => {
    settings.lang = "en";
    options.open = true;
    options.references = [];
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("hides what the profile's route cannot carry and says why", async () => {
    ipc(streamCaps);
    await options.load();
    render(OptionsRow);
    flushSync();
    expect(screen.queryByTestId("opt-seed")).toBeNull();
    expect(screen.queryByTestId("opt-negative")).toBeNull();
    expect(screen.queryByTestId("references")).toBeNull();
    expect(screen.queryByTestId("duration-4")).toBeNull();
    expect(screen.getByTestId("resolution-1080p")).toBeTruthy();
    expect(screen.queryByTestId("resolution-4k")).toBeNull();
    const off = screen.getByTestId("options-unavailable");
    expect(off.querySelector('[data-option="seed"]')?.textContent).toContain(
      "a model name cannot say it",
    );
    expect(off.querySelector('[data-option="references"]')?.textContent).toContain("r2v");
  });

  it("offers reference images and sets where the route carries them, in Chinese too", async () => {
    ipc(unifiedCaps);
    settings.lang = "zh";
    await options.load();
    render(OptionsRow);
    flushSync();
    expect(screen.getByTestId("references")).toBeTruthy();
    expect(screen.getByTestId("opt-enhance")).toBeTruthy();
    expect(screen.queryByTestId("opt-seed")).toBeNull();
    expect(screen.getByTestId("options-unavailable").textContent).toContain("没有字段");
    const sets = screen.getByTestId("reference-sets") as HTMLSelectElement;
    await fireEvent.change(sets, { target: { value: "1" } });
    await flush();
    flushSync();
    expect(options.references).toHaveLength(1);
    expect(screen.getByTestId("options-summary").textContent).toContain("1");
  });
});
