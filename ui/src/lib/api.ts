// The only module that talks to the Rust side. Every command, its arguments and its result type
// are here; the types come from the Rust definitions (ts-rs, in ./bindings).

import { Channel, invoke } from "@tauri-apps/api/core";
import type { Advice } from "./bindings/Advice";
import type { AppInfo } from "./bindings/AppInfo";
import type { BatchAction } from "./bindings/BatchAction";
import type { BatchRecord } from "./bindings/BatchRecord";
import type { BatchRow } from "./bindings/BatchRow";
import type { BatchUpdate } from "./bindings/BatchUpdate";
import type { Busy } from "./bindings/Busy";
import type { Capabilities } from "./bindings/Capabilities";
import type { CheckReport } from "./bindings/CheckReport";
import type { Defaults } from "./bindings/Defaults";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { Event } from "./bindings/Event";
import type { ExportKind } from "./bindings/ExportKind";
import type { FrameView } from "./bindings/FrameView";
import type { Help } from "./bindings/Help";
import type { JobRecord } from "./bindings/JobRecord";
import type { JobUpdate } from "./bindings/JobUpdate";
import type { KeyStoreStatus } from "./bindings/KeyStoreStatus";
import type { LibraryFilter } from "./bindings/LibraryFilter";
import type { LibraryPage } from "./bindings/LibraryPage";
import type { ModelCount } from "./bindings/ModelCount";
import type { PlanView } from "./bindings/PlanView";
import type { Profile } from "./bindings/Profile";
import type { ProfileDraft } from "./bindings/ProfileDraft";
import type { PromptEvent } from "./bindings/PromptEvent";
import type { PromptRequest } from "./bindings/PromptRequest";
import type { QuitChoice } from "./bindings/QuitChoice";
import type { ReferenceSetView } from "./bindings/ReferenceSetView";
import type { ReferenceView } from "./bindings/ReferenceView";
import type { RouteKind } from "./bindings/RouteKind";
import type { SettingsView } from "./bindings/SettingsView";
import type { ShotDraft } from "./bindings/ShotDraft";
import type { ShotRecord } from "./bindings/ShotRecord";
import type { Slot } from "./bindings/Slot";
import type { SpendReport } from "./bindings/SpendReport";
import type { StartJob } from "./bindings/StartJob";
import type { Storyboard } from "./bindings/Storyboard";
import type { StoryEvent } from "./bindings/StoryEvent";
import type { StoryPlanView } from "./bindings/StoryPlanView";

/** A failed command: the engine's `{ kind, message, messageZh }`. */
export class CommandError extends Error {
  readonly report: ErrorReport;

  constructor(report: ErrorReport) {
    super(report.message);
    this.report = report;
  }
}

/** What went wrong, as a report: a command's own, or any other error's text in both languages. */
export function errorReport(e: unknown): ErrorReport {
  if (e instanceof CommandError) return e.report;
  const text = e instanceof Error ? e.message : String(e);
  return { kind: "internal", message: text, messageZh: text };
}

function isReport(e: unknown): e is ErrorReport {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e;
}

/** A command whose argument is raw bytes (a captured image), with the rest in headers. */
async function callRaw<T>(
  command: string,
  bytes: Uint8Array,
  headers: Record<string, string>,
): Promise<T> {
  try {
    return await invoke<T>(command, bytes, { headers });
  } catch (e) {
    if (isReport(e)) throw new CommandError(e);
    throw e;
  }
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isReport(e)) throw new CommandError(e);
    // Not a report of ours: nothing the person did explains it.
    const text = String(e);
    throw new CommandError({ kind: "internal", message: text, messageZh: text });
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),

  /** The profiles (never a key: where it is kept and its last four characters). */
  settings: () => call<SettingsView>("settings"),
  /** Whether the OS's credential store works here (probed once, off the first paint). */
  keyStore: () => call<KeyStoreStatus>("key_store"),
  /** Adds (`id` null) or updates a profile; a `key` replaces its key. */
  saveProfile: (id: number | null, draft: ProfileDraft, key: string | null) =>
    call<Profile>("save_profile", { id, draft, key }),
  removeProfile: (id: number) => call<void>("remove_profile", { id }),
  activateProfile: (id: number) => call<void>("activate_profile", { id }),
  /** Tests a profile as edited, with the typed key or the stored key of profile `id`. */
  testConnection: (draft: ProfileDraft, key: string | null, id: number | null) =>
    call<CheckReport>("test_connection", { draft, key, id }),
  /** The offline demo: the mock gateway inside the app. */
  startDemo: () => call<void>("start_demo"),
  leaveDemo: () => call<void>("leave_demo"),
  /** The UI's language, for what Rust says itself (notifications). */
  setLanguage: (lang: string) => call<void>("set_language", { lang }),
  /** Folder dialog (opened by Rust) for where new videos go; resolves with it or `null`. */
  chooseVideosDir: () => call<string | null>("choose_videos_dir"),
  /** Copies the versions that matter and the last errors, for a bug report. */
  copyDiagnostics: () => call<void>("copy_diagnostics"),
  /** Opens the folder of the log files. */
  openLogFolder: () => call<void>("open_log_folder"),

  /** Prepares a dropped file (its path comes from Tauri's drag-drop event) for a slot. */
  dropFrame: (slot: Slot, path: string) => call<FrameView>("drop_frame", { slot, path }),
  /** Opens the native file dialog; `null` if it was closed. */
  browseFrame: (slot: Slot) => call<FrameView | null>("browse_frame", { slot }),
  /** Prepares an image pasted from the clipboard. */
  pasteFrame: (slot: Slot, bytes: Uint8Array) => callRaw<FrameView>("paste_frame", bytes, { slot }),
  /** A frame of a paused video (a PNG at the video's size), taken at `atMs` of video `video`. */
  frameFromVideo: (slot: Slot, video: string, atMs: number, png: Uint8Array) =>
    callRaw<FrameView>("frame_from_video", png, { slot, video, at: String(Math.round(atMs)) }),
  /** Puts a past job's stored frames into the slots (an unused slot is cleared). */
  reuseFrames: (job: string) => call<[FrameView | null, FrameView | null]>("reuse_frames", { job }),
  clearFrame: (slot: Slot) => call<void>("clear_frame", { slot }),
  /** What the slots should say for the chosen orientation (shape and pair advice). */
  frameAdvice: (orientation: "landscape" | "portrait") =>
    call<Advice>("frame_advice", { orientation }),
  /** Swaps start and end; returns what each slot holds now. */
  swapFrames: () => call<[FrameView | null, FrameView | null]>("swap_frames"),
  /** What the next job's route can carry for the active profile, with the reason for the rest. */
  capabilities: () => call<Capabilities>("capabilities"),
  /** A route's own table of options, before any gateway's word (Settings' toggles). */
  routeCapabilities: (route: RouteKind) => call<Capabilities>("route_capabilities", { route }),
  /** Prepares a dropped file as one more reference image; resolves with all of them. */
  dropReference: (path: string) => call<ReferenceView[]>("drop_reference", { path }),
  /** The file dialog for a reference image; `null` if it was closed. */
  browseReference: () => call<ReferenceView[] | null>("browse_reference"),
  removeReference: (index: number) => call<ReferenceView[]>("remove_reference", { index }),
  clearReferences: () => call<void>("clear_references"),
  /** The library's named sets of reference images. */
  referenceSets: () => call<ReferenceSetView[]>("reference_sets"),
  /** Keeps the reference images the form holds as the set `name`. */
  saveReferenceSet: (name: string) => call<ReferenceSetView[]>("save_reference_set", { name }),
  useReferenceSet: (id: number) => call<ReferenceView[]>("use_reference_set", { id }),
  removeReferenceSet: (id: number) => call<ReferenceSetView[]>("remove_reference_set", { id }),
  /** Puts a past job's reference images back in the form. */
  reuseReferences: (id: string) => call<ReferenceView[]>("reuse_references", { id }),

  /**
   * The images named on Framecast's command line ("Open with Framecast", or a second `framecast`
   * that handed them over) not taken yet, start frame first. Each is given out once, and
   * `dropFrame` accepts it.
   */
  openedFiles: () => call<string[]>("opened_files"),

  /**
   * Starts the job `request.id` names (minted by the caller, once); its events arrive on
   * `onEvent`. Rejects a second start of the same id.
   */
  startJob: (request: StartJob, onEvent: (event: Event) => void) => {
    const channel = new Channel<Event>();
    channel.onmessage = onEvent;
    return call<void>("start_job", { request, onEvent: channel });
  },
  /** Stops the generation; delivered videos go on downloading. */
  cancelJob: (id: string) => call<void>("cancel_job", { id }),
  /** Stops and forgets a job's unfinished downloads. */
  discardDownloads: (id: string) => call<void>("discard_downloads", { id }),
  /** The library's newest jobs, older than `before` (a job id) when given. */
  recentJobs: (limit: number, before?: string) =>
    call<JobRecord[]>("recent_jobs", { limit, before: before ?? null }),
  /** Continues what a stopped Framecast left unfinished; resolves with how many videos. */
  resumeDownloads: (onUpdate: (update: JobUpdate) => void) => {
    const channel = new Channel<JobUpdate>();
    channel.onmessage = onUpdate;
    return call<number>("resume_downloads", { onUpdate: channel });
  },
  /** What is still generating or downloading. */
  busy: () => call<Busy>("busy"),

  /** Registers the one channel every batch's events arrive on. */
  batchWatch: (onUpdate: (update: BatchUpdate) => void) => {
    const channel = new Channel<BatchUpdate>();
    channel.onmessage = onUpdate;
    return call<void>("batch_watch", { onUpdate: channel });
  },
  batchList: () => call<BatchRecord[]>("batch_list"),
  batchRows: (id: string) => call<BatchRow[]>("batch_rows", { id }),
  /** Plans a file dropped on the window (its path comes from Tauri's drag-drop event). */
  batchPlanFile: (path: string, defaults: Defaults) =>
    call<PlanView>("batch_plan_file", { path, defaults }),
  /** File dialog (opened by Rust) for a batch file, then its plan; `null` if closed. */
  batchOpenFile: (defaults: Defaults) => call<PlanView | null>("batch_open_file", { defaults }),
  /** Plans prompts pasted one per line. */
  batchPlanText: (text: string, defaults: Defaults) =>
    call<PlanView>("batch_plan_text", { text, defaults }),
  /** Starts the plan shown; over the month's budget only when `confirmed`. */
  batchStart: (token: number, concurrency: number, capUsd: number | null, confirmed: boolean) =>
    call<BatchRecord>("batch_start", { token, concurrency, capUsd, confirmed }),
  batchAct: (id: string, action: BatchAction) => call<void>("batch_act", { id, action }),
  /** Asks for a failed or skipped row again (a new, paid job). */
  batchRetry: (id: string, row: number) => call<boolean>("batch_retry", { id, row }),
  /** Writes the batch's results as they stand and shows the CSV in the file manager; its path. */
  batchResults: (id: string) => call<string>("batch_results", { id }),
  /** Moves a waiting row before row `before` (or to the end). */
  batchMove: (id: string, row: number, before: number | null) =>
    call<void>("batch_move", { id, row, before }),
  /** The answer to "quit while work is running?". */
  quit: (choice: QuitChoice) => call<void>("quit", { choice }),

  /** Save dialog (opened by Rust); resolves with the saved path or `null`. */
  saveVideo: (id: string) => call<string | null>("save_video", { id }),
  /** Folder dialog; copies every listed video there. */
  saveAll: (ids: string[]) => call<string | null>("save_all", { ids }),
  revealVideo: (id: string) => call<void>("reveal_video", { id }),
  copyLink: (id: string) => call<void>("copy_link", { id }),
  copyText: (text: string) => call<void>("copy_text", { text }),

  /** One page of the library's jobs matching `filter`. */
  libraryPage: (filter: LibraryFilter, offset: number, limit: number) =>
    call<LibraryPage>("library_page", { filter, offset, limit }),
  /** How many of the library's jobs match `filter`. */
  libraryCount: (filter: LibraryFilter) => call<number>("library_count", { filter }),
  libraryModels: () => call<ModelCount[]>("library_models"),
  /** One job in full (transcript, error, takes, lineage). */
  libraryJob: (id: string) => call<JobRecord>("library_job", { id }),
  setFavourite: (id: string, favourite: boolean) => call<void>("set_favourite", { id, favourite }),
  /** Deletes a video: its file to the OS trash, its record from the library. */
  deleteVideo: (id: string) => call<void>("delete_video", { id }),
  /** Stores the poster (a small JPEG) captured from video `video`. */
  storePoster: (video: string, jpeg: Uint8Array) => callRaw<void>("store_poster", jpeg, { video }),

  /**
   * Prompt help: a text model on the gateway new jobs go to improves, translates or storyboards
   * `request.text`; the answer streams on `onEvent`, the result says what it cost.
   */
  promptHelp: (request: PromptRequest, onEvent: (event: PromptEvent) => void) => {
    const channel = new Channel<PromptEvent>();
    channel.onmessage = onEvent;
    return call<Help>("prompt_help", { request, onEvent: channel });
  },
  /** Stops prompt-help call `id`. */
  cancelPromptHelp: (id: string) => call<void>("cancel_prompt_help", { id }),

  /** The storyboards, the most recently changed first. */
  storyboardList: () => call<Storyboard[]>("storyboard_list"),
  storyboardCreate: (name: string) => call<Storyboard>("storyboard_create", { name }),
  storyboardRename: (id: string, name: string) => call<void>("storyboard_rename", { id, name }),
  /** Deletes a storyboard; its jobs and videos stay in the library. */
  storyboardDelete: (id: string) => call<void>("storyboard_delete", { id }),
  /** A storyboard's shots in order, with their jobs and takes. */
  storyboardShots: (id: string) => call<ShotRecord[]>("storyboard_shots", { id }),
  /** Adds a shot before `position` (from 1), or at the end; resolves with its id. */
  shotAdd: (storyboard: string, draft: ShotDraft, position: number | null) =>
    call<string>("shot_add", { storyboard, draft, position }),
  /** Adds a shot made from a take of the library, that take chosen. */
  shotAddFromTake: (storyboard: string, videoId: string) =>
    call<string>("shot_add_from_take", { storyboard, videoId }),
  shotUpdate: (id: string, draft: ShotDraft) => call<void>("shot_update", { id, draft }),
  /** Puts every shot of the storyboard in the order given. */
  shotReorder: (storyboard: string, ids: string[]) =>
    call<void>("shot_reorder", { storyboard, ids }),
  shotDelete: (id: string) => call<void>("shot_delete", { id }),
  /** Chooses a shot's take for the sequence (`null`: none). */
  shotChoose: (id: string, videoId: string | null) => call<void>("shot_choose", { id, videoId }),
  /** Plans one shot (or every shot without a take) with its cost; nothing is sent. */
  storyboardPlan: (id: string, shot: string | null) =>
    call<StoryPlanView>("storyboard_plan", { id, shot }),
  /** Starts the plan shown (over the budget only when `confirmed`); events on `onUpdate`. */
  storyboardGenerate: (token: number, confirmed: boolean, onUpdate: (e: StoryEvent) => void) => {
    const channel = new Channel<StoryEvent>();
    channel.onmessage = onUpdate;
    return call<void>("storyboard_generate", { token, confirmed, onUpdate: channel });
  },
  /** Starts no further shot and stops the running ones (delivered videos are still saved). */
  storyboardStop: (id: string) => call<void>("storyboard_stop", { id }),
  /** Save dialog (opened by Rust) for the cut; resolves with the path or `null`. */
  storyboardExport: (id: string, kind: ExportKind) =>
    call<string | null>("storyboard_export", { id, kind }),

  spendReport: () => call<SpendReport>("spend_report"),
  /** Sets the monthly budget in USD (`null` removes it). */
  setBudget: (usd: number | null) => call<SpendReport>("set_budget", { usd }),
  /** Save dialog (opened by Rust) for the ledger as CSV; resolves with the path or `null`. */
  exportLedger: () => call<string | null>("export_ledger"),
};
