// Prompt help as the window shows it: one call at a time, its answer streaming into the
// side-by-side view, then accepted (it becomes the prompt), edited first, or discarded. Shots
// from an idea come back as an editable list. Nothing is sent until the person clicks; the
// language a translation goes to is settled in Rust, which names it in the result.

import { api, errorReport } from "./api";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { Help } from "./bindings/Help";
import type { Shot } from "./bindings/Shot";
import { newJobId } from "./jobId";
import { settings } from "./settings.svelte";

export type HelpKind = "improve" | "translate" | "shots";

export class PromptHelpStore {
  /** The view is open. */
  open = $state(false);
  kind: HelpKind = $state("improve");
  /** The text the call was made with. */
  original = $state("");
  /** The answer as it streams, then as returned (and as edited). */
  suggestion = $state("");
  /** The text model answering, once chosen. */
  model: string | null = $state(null);
  running = $state(false);
  editing = $state(false);
  error: ErrorReport | null = $state(null);
  /** The finished call: its model, language, tokens and cost. */
  result: Help | null = $state(null);
  /** The shots, as edited. */
  shots: Shot[] = $state([]);
  #id: string | null = null;

  /** Asks for `kind` on `text` (the prompt, by default). */
  async run(kind: HelpKind, text: string = settings.prompt): Promise<Help | null> {
    if (this.running && this.#id) void api.cancelPromptHelp(this.#id).catch(() => {});
    const id = newJobId();
    this.#id = id;
    this.open = true;
    this.kind = kind;
    this.original = text;
    this.suggestion = "";
    this.model = null;
    this.editing = false;
    this.error = null;
    this.result = null;
    this.shots = [];
    this.running = true;
    const action = kind === "shots" ? { action: "shots" as const } : { action: kind };
    try {
      const help = await api.promptHelp({ id, text, ...action }, (event) => {
        if (this.#id !== id) return;
        if (event.type === "model") this.model = event.model;
        else if (kind !== "shots") this.suggestion += event.text;
      });
      if (this.#id !== id) return null;
      this.result = help;
      this.model = help.model;
      this.suggestion = help.text;
      this.shots = help.shots.map((s) => ({ ...s }));
      return help;
    } catch (e) {
      if (this.#id !== id) return null;
      const report = errorReport(e);
      // A stop the person asked for is not an error to show.
      if (report.kind !== "cancelled") this.error = report;
      return null;
    } finally {
      if (this.#id === id) this.running = false;
    }
  }

  /** Tries the same call again. */
  again(): Promise<Help | null> {
    return this.run(this.kind, this.original);
  }

  /** Stops the call running; what arrived stays on screen. */
  stop(): void {
    if (this.#id) void api.cancelPromptHelp(this.#id).catch(() => {});
  }

  /** The suggestion (as edited) becomes the prompt. */
  accept(): void {
    const text = this.suggestion.trim();
    if (!text || this.running) return;
    settings.prompt = text;
    this.close();
  }

  /** Shot `index` (as edited) becomes the prompt. */
  useShot(index: number): void {
    const shot = this.shots[index];
    if (!shot) return;
    settings.prompt = shot.prompt.trim();
    this.close();
  }

  /** The shots as text: numbered, each with its continuity note in `note(n)`'s words. */
  shotsText(note: (n: number) => string): string {
    return this.shots
      .map((s, i) => {
        const from = s.continuesFrom === null ? "" : ` (${note(s.continuesFrom + 1)})`;
        return `${i + 1}. ${s.prompt.trim()}${from}`;
      })
      .join("\n\n");
  }

  /** Closes the view, stopping a call still running. */
  close(): void {
    if (this.running) this.stop();
    this.#id = null;
    this.running = false;
    this.open = false;
    this.editing = false;
  }
}

export const promptHelp = new PromptHelpStore();
