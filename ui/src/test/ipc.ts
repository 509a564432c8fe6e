// Test helpers: Tauri's IPC mocked per test, with the job channels captured so tests can push
// engine Events through them the way Rust does (in order, with an index).

import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type { AppInfo } from "../lib/bindings/AppInfo";
import type { Event } from "../lib/bindings/Event";
import type { FrameView } from "../lib/bindings/FrameView";
import type { JobUpdate } from "../lib/bindings/JobUpdate";
import type { PromptEvent } from "../lib/bindings/PromptEvent";
import type { Shape } from "../lib/bindings/Shape";
import type { Slot } from "../lib/bindings/Slot";

type Handler = (args: Record<string, unknown>) => unknown;

export interface Ipc {
  calls: { cmd: string; args: Record<string, unknown> }[];
  /** Pushes an event to the n-th started job (0 = first). */
  push(job: number, event: Event): void;
  /** Pushes an update on the channel of `resume_downloads`. */
  resume(update: JobUpdate): void;
  /** Pushes an event to the n-th prompt-help call (0 = first). */
  help(call: number, event: PromptEvent): void;
  helpChannels: { id: number }[];
  channels: { id: number }[];
  resumeChannel: { id: number } | null;
}

export function installIpc(handlers: Record<string, Handler> = {}): Ipc {
  const send = (channel: { id: number }, message: unknown) => {
    const index = (indices.get(channel.id) ?? 0) + 1;
    indices.set(channel.id, index);
    const internals = (
      window as unknown as {
        __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void };
      }
    ).__TAURI_INTERNALS__;
    internals.runCallback(channel.id, { index: index - 1, message });
  };
  const ipc: Ipc = {
    calls: [],
    channels: [],
    helpChannels: [],
    help(call, event) {
      send(this.helpChannels[call], event);
    },
    resumeChannel: null,
    push(job, event) {
      send(this.channels[job], event);
    },
    resume(update) {
      if (this.resumeChannel) send(this.resumeChannel, update);
    },
  };
  const indices = new Map<number, number>();
  mockWindows("main");
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      ipc.calls.push({ cmd, args });
      if (cmd === "start_job") ipc.channels.push(args.onEvent as { id: number });
      if (cmd === "prompt_help") ipc.helpChannels.push(args.onEvent as { id: number });
      if (cmd === "resume_downloads") ipc.resumeChannel = args.onUpdate as { id: number };
      const handler = handlers[cmd];
      if (handler) return handler(args);
      if (cmd === "recent_jobs") return [];
      if (cmd === "resume_downloads") return 0;
      if (cmd === "opened_files") return [];
      if (cmd === "frame_advice") return { start: [], end: [] };
      return null;
    },
    // Events go through the mock too: `emit` from a test reaches the app's `listen`.
    { shouldMockEvents: true },
  );
  return ipc;
}

export { clearMocks };

export function frameView(slot: Slot, shape: Shape = "landscape", w = 1920, h = 1080): FrameView {
  const [width, height] = shape === "portrait" && w > h ? [h, w] : [w, h];
  return {
    slot,
    thumbnail: "data:image/jpeg;base64,AAAA",
    facts: {
      mime: "image/jpeg",
      bytes: 421_888,
      width,
      height,
      shape,
      modelAspect: shape === "portrait" ? "portrait" : "landscape",
      matchesModel: true,
      sha256: `${slot}-${width}x${height}`,
      source: {
        origin: "path",
        name: "photo.jpg",
        format: "jpeg",
        bytes: 6_000_000,
        width: 6000,
        height: 4000,
        orientation: 1,
      },
      actions: ["resized"],
      warnings: [],
    },
    from: null,
  };
}

/** Lets pending promises (IPC answers) settle. */
export const flush = () => new Promise((r) => setTimeout(r, 0));

/** What Rust says at start, for a window with a gateway set up; `over` changes parts of it. */
export function appInfo(over: Partial<AppInfo> = {}): AppInfo {
  return {
    version: "0.1.0",
    baseUrl: "http://127.0.0.1:9/v1",
    ready: true,
    firstRun: false,
    profile: "Main",
    demo: false,
    env: { baseUrl: false, apiKey: false, dataDir: false },
    prices: {
      standard: 0.25,
      fast: 0.15,
      models: {},
      textInputPerMillion: 0,
      textOutputPerMillion: 0,
    },
    models: [],
    videosDir: "/videos",
    dataDir: "/data",
    mediaBase: "http://127.0.0.1:9/media/t",
    posterBase: "http://127.0.0.1:9/poster/t",
    ...over,
  };
}
