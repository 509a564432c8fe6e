import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../lib/app.svelte";
import { settings } from "../lib/settings.svelte";
import { appInfo } from "../test/ipc";
import TopBar from "./TopBar.svelte";

describe("the About panel", () => {
  beforeEach(() => {
    settings.lang = "en";
    app.info = appInfo({
      version: "9.8.7",
      videosDir: "/home/ann/Videos/Framecast",
      dataDir: "/home/ann/.local/share/app.framecast.desktop",
    });
  });
  afterEach(() => {
    cleanup();
    app.info = null;
  });

  it("opens from the top bar with the version, the licence and where things are", async () => {
    render(TopBar);
    const dialog = screen.getByTestId("about-dialog") as HTMLDialogElement;
    expect(dialog.open).toBe(false);
    await fireEvent.click(screen.getByTestId("about-open"));
    expect(dialog.open).toBe(true);
    expect(screen.getByTestId("about-version").textContent).toContain("Version 9.8.7");
    expect(screen.getByTestId("about-licence").textContent).toContain("MIT License");
    expect(dialog.textContent).toContain("/home/ann/Videos/Framecast");
    expect(dialog.textContent).toContain("/home/ann/.local/share/app.framecast.desktop");

    settings.lang = "zh";
    await waitFor(() =>
      expect(screen.getByTestId("about-version").textContent).toContain("版本 9.8.7"),
    );
    expect(screen.getByTestId("about-licence").textContent).toContain("MIT 许可证");
  });

  it("shows the third-party licences of the Rust crates and the UI's packages", async () => {
    render(TopBar);
    await fireEvent.click(screen.getByTestId("about-open"));
    await fireEvent.click(screen.getByTestId("about-show-licences"));
    const text = await waitFor(() => screen.getByTestId("about-licences").textContent ?? "");
    // From docs/third-party-licenses.md (cargo-about) and -ui.md (the UI's build).
    expect(text).toContain("Third-party licences: the Rust crates");
    expect(text).toMatch(/\btauri 2\.\d+\.\d+/);
    expect(text).toContain("Third-party licences: the UI's JavaScript packages");
    expect(text).toMatch(/## svelte 5\.\d+\.\d+ \(MIT\)/);
    expect(text).toContain("Permission is hereby granted");
  });
});
