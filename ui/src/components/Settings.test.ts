import { cleanup, fireEvent, render, screen, within } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../lib/app.svelte";
import type { Profile } from "../lib/bindings/Profile";
import { profiles } from "../lib/profiles.svelte";
import { settings } from "../lib/settings.svelte";
import { clearMocks, flush, installIpc } from "../test/ipc";
import Settings from "./Settings.svelte";
import Welcome from "./Welcome.svelte";

const stored: Profile = {
  id: 3,
  name: "Main",
  baseUrl: "https://api.apiyi.com",
  authScheme: "bare",
  proxy: "system",
  connectSecs: 20,
  idleSecs: 360,
  overallSecs: 1200,
  prices: {
    standard: 0.25,
    fast: 0.15,
    models: {},
    textInputPerMillion: 0,
    textOutputPerMillion: 0,
  },
  defaultModel: null,
  defaultCount: 1,
  route: "stream",
  capabilities: {},
  chatModel: null,
  keyStore: "keychain",
  keyHint: "1234",
  proxySecret: null,
  active: true,
};

const report = {
  ok: true,
  findings: [
    { step: "key", ok: true, message: "The key is accepted", messageZh: "密钥有效" },
    { step: "models", ok: true, message: "8 Veo models offered", messageZh: "提供 8 个 Veo 模型" },
  ],
  models: ["veo-3.1"],
  chatModels: ["gpt-4o-mini"],
};

function ipc(view: Profile[] = [stored], keychain = true) {
  return installIpc({
    settings: () => ({
      profiles: view,
      env: { baseUrl: false, apiKey: false, dataDir: false },
      demo: false,
      chatModels: { 3: ["gpt-4o-mini", "deepseek-chat"] },
    }),
    key_store: () => ({
      keychain,
      reason: keychain ? null : "no Secret Service is running",
      reasonZh: keychain ? null : "没有运行中的 Secret Service",
    }),
    test_connection: () => report,
    save_profile: (a) => ({ ...stored, ...(a.draft as object), id: 3, keyHint: "9876" }),
    app_info: () => null,
  });
}

describe("settings", () => {
  beforeEach(() => {
    settings.lang = "en";
    app.info = null;
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("offers the chat models the gateway listed, never a video model, for prompt help", async () => {
    const calls = ipc();
    render(Settings);
    await flush();
    flushSync();
    const select = screen.getByTestId("chat-model") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["", "gpt-4o-mini", "deepseek-chat"]);
    await fireEvent.change(select, { target: { value: "deepseek-chat" } });
    await fireEvent.input(screen.getByTestId("price-text-in"), { target: { value: "0.5" } });
    await fireEvent.click(screen.getByTestId("profile-save"));
    await flush();
    const save = calls.calls.find((c) => c.cmd === "save_profile");
    expect(save?.args.draft).toMatchObject({
      chatModel: "deepseek-chat",
      prices: { textInputPerMillion: 0.5 },
    });
  });

  it("shows a saved key only by its end, and sends a replacement without ever showing it", async () => {
    const calls = ipc();
    render(Settings);
    await flush();
    flushSync();
    const set = screen.getByTestId("key-set");
    expect(set.textContent).toContain("Set, ends in …1234");
    expect(set.textContent).toContain("system keychain");
    expect(screen.queryByTestId("key-input")).toBeNull();
    await fireEvent.click(screen.getByTestId("key-replace"));
    const input = screen.getByTestId("key-input") as HTMLInputElement;
    expect(input.type).toBe("password");
    expect(input.value).toBe("");
    await fireEvent.input(input, { target: { value: "sk-new-key-9876" } });
    await fireEvent.click(screen.getByTestId("test-connection"));
    await flush();
    flushSync();
    const test = calls.calls.find((c) => c.cmd === "test_connection");
    expect(test?.args).toMatchObject({ key: "sk-new-key-9876", id: 3 });
    expect(screen.getByTestId("check-report").textContent).toContain("8 Veo models offered");
    await fireEvent.click(screen.getByTestId("profile-save"));
    await flush();
    flushSync();
    const save = calls.calls.find((c) => c.cmd === "save_profile");
    expect(save?.args).toMatchObject({ id: 3, key: "sk-new-key-9876" });
    expect(profiles.key).toBe("");
    expect(document.body.textContent).not.toContain("sk-new-key-9876");
  });

  it("says plainly where keys go when there is no credential store", async () => {
    ipc([], false);
    render(Settings);
    await flush();
    await flush();
    flushSync();
    const note = screen.getByTestId("key-store-note");
    expect(note.textContent).toContain("no Secret Service is running");
    expect(note.textContent).toContain("a file only your user can read");
    settings.lang = "zh";
    flushSync();
    const zh = screen.getByTestId("key-store-note").textContent;
    expect(zh).toContain("只有你的用户能读取的文件");
    expect(zh).toContain("没有运行中的 Secret Service");
  });

  it("switches language and theme", async () => {
    ipc();
    render(Settings);
    await flush();
    await fireEvent.click(screen.getByTestId("settings-lang-zh"));
    expect(settings.lang).toBe("zh");
    await fireEvent.click(screen.getByTestId("settings-theme-dark"));
    expect(settings.theme).toBe("dark");
    settings.lang = "en";
    settings.theme = "system";
  });
});

describe("the first start", () => {
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("tests a key before keeping it, or starts the demo", async () => {
    settings.lang = "en";
    const calls = ipc([]);
    profiles.edit(null);
    render(Welcome);
    const save = screen.getByTestId("welcome-save") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("welcome-key"), {
      target: { value: "sk-first-5555" },
    });
    await fireEvent.click(screen.getByTestId("welcome-test"));
    await flush();
    flushSync();
    expect(within(screen.getByTestId("welcome")).getByTestId("check-report").dataset.ok).toBe(
      "true",
    );
    await fireEvent.click(save);
    await flush();
    const saved = calls.calls.find((c) => c.cmd === "save_profile");
    expect(saved?.args).toMatchObject({
      id: null,
      key: "sk-first-5555",
      draft: { baseUrl: "https://api.apiyi.com" },
    });
    await fireEvent.click(screen.getByTestId("try-demo"));
    await flush();
    expect(calls.calls.some((c) => c.cmd === "start_demo")).toBe(true);
  });
});
