import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { settings } from "./lib/settings.svelte";

async function start() {
  // Dev-only: scripted Rust commands for looking at the UI in a browser. `import.meta.env.DEV`
  // is false in production builds, so this branch and the preview module are left out.
  let preview: typeof import("./dev/preview") | null = null;
  if (import.meta.env.DEV && import.meta.env.VITE_PREVIEW === "1") {
    preview = await import("./dev/preview");
    preview.install();
  }
  // The system's fonts (see app.css), chosen before the first layout.
  const agent = navigator.userAgent;
  document.documentElement.dataset.os = /Mac/.test(agent)
    ? "mac"
    : /Windows/.test(agent)
      ? "windows"
      : "linux";
  // The first paint already has the right theme (App keeps it in step afterwards).
  const dark =
    settings.theme === "dark" ||
    (settings.theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  const target = document.getElementById("app");
  if (!target) throw new Error("missing #app");
  mount(App, { target });
  await preview?.populate();
}

void start();
