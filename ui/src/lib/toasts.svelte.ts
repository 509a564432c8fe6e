// Short confirmations and errors from actions (copied, saved to…, could not save). A toast's
// text is written when it is shown, so one still open follows a change of language.

import { errorReport } from "./api";
import { localMessage } from "./i18n";
import { settings } from "./settings.svelte";

export interface Toast {
  id: number;
  kind: "ok" | "error";
  text: () => string;
}

class Toasts {
  items: Toast[] = $state([]);
  #next = 0;

  show(text: () => string, kind: Toast["kind"] = "ok", ms = kind === "error" ? 6000 : 2600): void {
    const id = ++this.#next;
    this.items.push({ id, kind, text });
    if (this.items.length > 4) this.items.shift();
    setTimeout(() => this.dismiss(id), ms);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }

  /** Shows a failed command's message in the UI language. */
  error(e: unknown): void {
    const report = errorReport(e);
    this.show(() => localMessage(settings.lang, report), "error");
  }
}

export const toasts = new Toasts();

/** Runs an action; shows `done(result)` as a toast when it says something, the error otherwise. */
export async function attempt<T>(run: () => Promise<T>, done?: (result: T) => string | null) {
  try {
    const result = await run();
    if (done?.(result)) toasts.show(() => done(result) ?? "");
  } catch (e) {
    toasts.error(e);
  }
}
