import { cleanup, render } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { CommandError } from "../lib/api";
import { settings, t } from "../lib/settings.svelte";
import { attempt, toasts } from "../lib/toasts.svelte";
import Toasts from "./Toasts.svelte";

describe("toasts", () => {
  afterEach(() => {
    cleanup();
    toasts.items = [];
    settings.lang = "en";
  });

  it("follow a change of language while they are open, errors included", async () => {
    settings.lang = "en";
    render(Toasts);
    toasts.show(() => t("deleted"));
    const report = {
      kind: "network" as const,
      message: "The gateway is unreachable",
      messageZh: "无法连接网关",
    };
    await attempt(() => Promise.reject(new CommandError(report)));
    flushSync();
    const shown = () => [...document.querySelectorAll(".toast")].map((e) => e.textContent?.trim());
    const english = shown();
    expect(english[0]).toBe(t("deleted"));
    settings.lang = "zh";
    flushSync();
    const chinese = shown();
    expect(chinese[0]).toBe(t("deleted"));
    expect(chinese[0]).not.toBe(english[0]);
    expect([english[1], chinese[1]]).toEqual([report.message, report.messageZh]);
  });
});
