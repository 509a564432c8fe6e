// Quitting while work runs: Rust holds the window's close and asks (the `quit-requested` event,
// with what is running); the person chooses to quit now (unfinished downloads continue at the
// next start), to quit when everything has finished, or to stay.

import { api } from "./api";
import type { Busy } from "./bindings/Busy";
import type { QuitChoice } from "./bindings/QuitChoice";

export class QuitStore {
  /** What was running when the person asked to quit; `null` when not asking. */
  asking: Busy | null = $state(null);
  /** Framecast will quit once the running jobs finish. */
  pending = $state(false);

  ask(busy: Busy): void {
    this.asking = busy;
  }

  async choose(choice: QuitChoice): Promise<void> {
    this.asking = null;
    this.pending = choice === "whenDone";
    await api.quit(choice);
  }

  /** Take back a "quit when done". */
  async stay(): Promise<void> {
    this.pending = false;
    await api.quit("stay");
  }
}

export const quit = new QuitStore();
