import { cleanup, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import { quit } from "../lib/quit.svelte";
import { settings } from "../lib/settings.svelte";
import { clearMocks, flush, installIpc } from "../test/ipc";
import QuitDialog from "./QuitDialog.svelte";

describe("quitting while work runs", () => {
  afterEach(() => {
    cleanup();
    clearMocks();
    quit.asking = null;
    quit.pending = false;
  });

  it("says what is running and answers Rust with the person's choice", async () => {
    settings.lang = "en";
    const ipc = installIpc();
    render(QuitDialog);
    quit.ask({ generating: 1, downloading: 2 });
    flushSync();
    const dialog = screen.getByTestId("quit-dialog");
    expect(dialog.textContent).toContain("1 job is still generating");
    expect(dialog.textContent).toContain("2 paid videos are still downloading");
    screen.getByTestId("quit-when-done").click();
    await flush();
    flushSync();
    expect(ipc.calls.find((c) => c.cmd === "quit")?.args.choice).toBe("whenDone");
    expect(screen.getByTestId("quit-pending").textContent).toContain("will quit when");
    expect(quit.asking).toBeNull();
  });

  it("in Chinese too", () => {
    settings.lang = "zh";
    installIpc();
    render(QuitDialog);
    quit.ask({ generating: 0, downloading: 1 });
    flushSync();
    expect(screen.getByTestId("quit-dialog").textContent).toContain("下次启动 Framecast 时会继续");
    settings.lang = "en";
  });
});
