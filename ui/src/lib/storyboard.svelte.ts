// Storyboards as the Storyboard view sees them: the list, the shots of the one shown, the shot
// selected, the plan before money and each shot's live progress from its generation's channel.
// Rust records, plans and generates; this store asks, and keeps what it is told.

import { api } from "./api";
import type { ExportKind } from "./bindings/ExportKind";
import type { Shot } from "./bindings/Shot";
import type { ShotDraft } from "./bindings/ShotDraft";
import type { ShotRecord } from "./bindings/ShotRecord";
import type { Storyboard } from "./bindings/Storyboard";
import type { StoryEvent } from "./bindings/StoryEvent";
import type { StoryPlanView } from "./bindings/StoryPlanView";
import { moved } from "./sequence";

/** A shot's generation while it runs, and how it ended (until the shots are read again). */
export interface ShotLive {
  state: "sent" | "done" | "partial" | "failed" | "skipped";
  percent: number | null;
  problem: string | null;
  problemZh: string | null;
}

/** How a shot reads on its card. */
export type ShotState = "generating" | "outOfDate" | "chosen" | "takes" | "failed" | "empty";

/** What a shot's card says about it, from its record and its live generation. */
export function shotState(shot: ShotRecord, live: ShotLive | undefined): ShotState {
  if (live?.state === "sent") return "generating";
  if (shot.jobs.some((j) => j.state === "running" || j.state === "downloading")) {
    return "generating";
  }
  if (shot.outOfDate) return "outOfDate";
  if (shot.chosen) return "chosen";
  if (shot.takes.length > 0) return "takes";
  if (shot.jobs.length > 0 || live?.state === "failed") return "failed";
  return "empty";
}

/** What a shot's jobs have cost: each delivered video at its job's price. */
export function spentOn(shot: ShotRecord): number {
  return shot.jobs.reduce((sum, j) => sum + (j.priceUsd ?? 0) * j.delivered, 0);
}

/** The draft of a shot record (what `shot_update` takes). */
export function draftOf(shot: ShotRecord): ShotDraft {
  return {
    prompt: shot.prompt,
    startFrame: shot.startFrame,
    endFrame: shot.endFrame,
    model: shot.model,
    options: shot.options,
    n: shot.n,
    continues: shot.continues,
    inMs: shot.inMs,
    outMs: shot.outMs,
  };
}

/**
 * Prompt help's shots as a storyboard's drafts, in order: a shot that picks up from the shot just
 * before it continues from it; one that picks up from an earlier shot cannot start from that
 * take's last picture, and starts anew.
 */
export function draftsFromShots(shots: Shot[], model: string, n: number): ShotDraft[] {
  return shots.map((s, i) => ({
    prompt: s.prompt.trim(),
    startFrame: null,
    endFrame: null,
    model,
    options: {},
    n,
    continues: i > 0 && s.continuesFrom === i - 1,
    inMs: null,
    outMs: null,
  }));
}

export class StoryboardStore {
  boards: Storyboard[] = $state([]);
  /** The storyboard shown, and its shots in order. */
  shown: string | null = $state(null);
  shots: ShotRecord[] = $state([]);
  selected: string | null = $state(null);
  plan: StoryPlanView | null = $state(null);
  planning = $state(false);
  /** Live generations, by shot id. */
  live: Record<string, ShotLive> = $state({});
  /** A storyboard is generating (its id). */
  running: string | null = $state(null);
  loaded = $state(false);

  get current(): Storyboard | null {
    return this.boards.find((b) => b.id === this.shown) ?? null;
  }

  get selectedShot(): ShotRecord | null {
    return this.shots.find((s) => s.id === this.selected) ?? null;
  }

  async load(): Promise<void> {
    this.boards = await api.storyboardList();
    this.loaded = true;
    const keep = this.boards.some((b) => b.id === this.shown);
    if (keep && this.shown !== null) await this.refresh(false);
    else {
      if (this.boards.length > 0) await this.show(this.boards[0].id, true);
      else {
        this.shown = null;
        this.shots = [];
      }
    }
  }

  /** Shows storyboard `id`; the list's counts are read again too unless `listed` just now. */
  async show(id: string, listed = false): Promise<void> {
    if (this.shown !== id) {
      this.plan = null;
      this.selected = null;
    }
    this.shown = id;
    await this.refresh(!listed);
  }

  /** Reads the shown storyboard's shots (and, with `list`, the list's counts) again. */
  async refresh(list = true): Promise<void> {
    const id = this.shown;
    if (id === null) return;
    const [shots, boards] = await Promise.all([
      api.storyboardShots(id),
      list ? api.storyboardList() : this.boards,
    ]);
    if (this.shown !== id) return;
    this.shots = shots;
    this.boards = boards;
    if (this.selected === null || !shots.some((s) => s.id === this.selected)) {
      this.selected = shots[0]?.id ?? null;
    }
  }

  async create(name: string): Promise<void> {
    const board = await api.storyboardCreate(name);
    this.boards = [board, ...this.boards];
    await this.show(board.id);
  }

  /** A new storyboard named `name` holding prompt help's `shots`, shown. */
  async fromShots(name: string, shots: Shot[], model: string, n: number): Promise<void> {
    const board = await api.storyboardCreate(name);
    for (const draft of draftsFromShots(shots, model, n)) {
      await api.shotAdd(board.id, draft, null);
    }
    this.shown = null;
    await this.show(board.id);
  }

  async rename(name: string): Promise<void> {
    if (this.shown === null) return;
    await api.storyboardRename(this.shown, name);
    await this.refresh();
  }

  async remove(): Promise<void> {
    if (this.shown === null) return;
    await api.storyboardDelete(this.shown);
    this.shown = null;
    this.shots = [];
    this.plan = null;
    await this.load();
  }

  /** Adds an empty shot after the selected one (else at the end) with the form's model and
   * count; it continues from the shot before when there is one. */
  async addShot(model: string, n: number): Promise<void> {
    if (this.shown === null) return;
    const after = this.selectedShot?.position ?? this.shots.length;
    const id = await api.shotAdd(
      this.shown,
      {
        prompt: "",
        startFrame: null,
        endFrame: null,
        model,
        options: {},
        n,
        continues: after > 0,
        inMs: null,
        outMs: null,
      },
      after + 1,
    );
    this.selected = id;
    await this.refresh();
  }

  /** Saves a change to a shot: shown at once, then recorded. */
  async update(id: string, change: Partial<ShotDraft>): Promise<void> {
    const shot = this.shots.find((s) => s.id === id);
    if (!shot) return;
    Object.assign(shot, change);
    await api.shotUpdate(id, draftOf(shot));
    if ("continues" in change || "inMs" in change || "outMs" in change) await this.refresh();
  }

  /** Moves the shot at `from` to `to` (indexes in the strip). */
  async move(from: number, to: number): Promise<void> {
    if (this.shown === null || from === to) return;
    const order = moved(this.shots, from, to);
    this.shots = order.map((s, i) => ({ ...s, position: i + 1 }));
    await api.shotReorder(
      this.shown,
      order.map((s) => s.id),
    );
    await this.refresh();
  }

  async deleteShot(id: string): Promise<void> {
    await api.shotDelete(id);
    if (this.selected === id) this.selected = null;
    await this.refresh();
  }

  async choose(shot: string, video: string | null): Promise<void> {
    await api.shotChoose(shot, video);
    await this.refresh();
  }

  /** Plans one shot, or (without one) every shot that has no take. */
  async planShots(shot: string | null): Promise<void> {
    if (this.shown === null) return;
    this.planning = true;
    try {
      this.plan = await api.storyboardPlan(this.shown, shot);
    } finally {
      this.planning = false;
    }
  }

  discardPlan(): void {
    this.plan = null;
  }

  /** Starts the plan shown. */
  async generate(confirmed: boolean): Promise<void> {
    const plan = this.plan;
    if (plan === null) return;
    for (const s of plan.shots) {
      if (s.problem === null) {
        this.live[s.shotId] = { state: "sent", percent: null, problem: null, problemZh: null };
      }
    }
    await api.storyboardGenerate(plan.token, confirmed, (e) => this.#on(plan.storyboardId, e));
    this.plan = null;
    this.running = plan.storyboardId;
  }

  async stop(): Promise<void> {
    if (this.running !== null) await api.storyboardStop(this.running);
  }

  /** Exports the cut through a save dialog opened by Rust; resolves with where, or null. */
  exportAs(kind: ExportKind): Promise<string | null> {
    if (this.shown === null) return Promise.resolve(null);
    return api.storyboardExport(this.shown, kind);
  }

  #on(board: string, event: StoryEvent): void {
    if (event.type === "job") {
      const live = this.live[event.shotId];
      if (live && event.event.type === "progress") live.percent = event.event.percent;
      return;
    }
    const { state, shotId } = event;
    if (state === "waiting") return;
    this.live[shotId] = {
      state,
      percent: state === "sent" ? null : 100,
      problem: event.problem,
      problemZh: event.problemZh,
    };
    if (state !== "sent") {
      if (!Object.values(this.live).some((l) => l.state === "sent")) this.running = null;
      if (this.shown === board) void this.refresh();
    }
  }
}

export const storyboards = new StoryboardStore();
