import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { app, REST_MS } from "../lib/app.svelte";
import type { Slot } from "../lib/bindings/Slot";
import { frames } from "../lib/frames.svelte";
import { jobs } from "../lib/jobs.svelte";
import { settings } from "../lib/settings.svelte";
import { appInfo, clearMocks, flush, frameView, installIpc } from "../test/ipc";

let hasKey = true;

function setup() {
  const ipc = installIpc({
    app_info: () => appInfo({ ready: hasKey, profile: hasKey ? "Main" : null, demo: true }),
    drop_frame: (a) =>
      frameView(a.slot as Slot, String(a.path).includes("tall") ? "portrait" : "landscape"),
    clear_frame: () => null,
    // Rust's advice, as it would answer for a tall start frame (its rules are tested in Rust).
    frame_advice: (a) => ({
      start:
        a.orientation === "landscape" && frames.start.view?.facts.shape === "portrait"
          ? [
              {
                code: "shape_mismatch",
                message:
                  "This image is portrait, the model makes 16:9 video: Veo will crop or pad it.",
                messageZh: "",
              },
            ]
          : [],
      end: [],
    }),
  });
  render(App);
  return ipc;
}

const generate = () => screen.getByTestId("generate") as HTMLButtonElement;
const modelName = () => screen.getByTestId("model-name") as HTMLInputElement;

describe("the window", () => {
  beforeEach(async () => {
    hasKey = true;
    settings.lang = "en";
    settings.prompt = "";
    settings.orientation = "landscape";
    settings.orientationExplicit = false;
    settings.speed = "standard";
    settings.modelOverride = null;
    settings.count = 1;
    app.info = null;
    app.autoSwitched = null;
    for (const s of ["start", "end"] as const) {
      frames.slots[s] = { view: null, busy: null, error: null };
    }
    jobs.jobs = [];
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("switches language, and says why Generate is disabled", async () => {
    setup();
    await flush();
    flushSync();
    expect(screen.getByTestId("demo-banner").textContent).toContain("Offline demo");
    expect(generate().disabled).toBe(true);
    expect(screen.getByTestId("generate-reason").textContent).toContain(
      "Write a prompt or add a start frame.",
    );
    await fireEvent.click(screen.getByTestId("lang-toggle"));
    expect(screen.getByTestId("generate-reason").textContent).toContain("请输入提示词或添加首帧");
    expect(screen.getByTestId("demo-banner").textContent).toContain("离线演示");
    expect(document.documentElement.lang).toBe("zh-CN");
    await fireEvent.click(screen.getByTestId("lang-toggle"));
    expect(screen.getByTestId("generate").textContent).toContain("Generate 1 video");
  });

  it("prices the button by the active profile's table", async () => {
    settings.prompt = "a cat";
    setup();
    await flush();
    await fireEvent.click(screen.getByTestId("speed-fast"));
    await fireEvent.click(screen.getByTestId("count-4"));
    expect(generate().textContent).toContain("est. $0.60");
    if (app.info) app.info.prices = { ...app.info.prices, standard: 0.3, fast: 0.2 };
    flushSync();
    expect(generate().textContent).toContain("est. $0.80");
  });

  it("needs an API key", async () => {
    hasKey = false;
    settings.prompt = "a cat";
    setup();
    await flush();
    flushSync();
    expect(generate().disabled).toBe(true);
    expect(screen.getByTestId("generate-reason").textContent).toContain("Set up a gateway");
  });

  it("composes the model name from the choices, and keeps a hand-typed one until reset", async () => {
    setup();
    await flush();
    flushSync();
    expect(modelName().value).toBe("veo-3.1-landscape");
    await fireEvent.click(screen.getByTestId("speed-fast"));
    expect(modelName().value).toBe("veo-3.1-landscape-fast");
    await fireEvent.click(screen.getByTestId("orientation-portrait"));
    expect(modelName().value).toBe("veo-3.1-fast");

    await fireEvent.input(modelName(), { target: { value: "my-veo" } });
    await fireEvent.click(screen.getByTestId("speed-standard"));
    expect(modelName().value).toBe("my-veo");
    await fireEvent.click(screen.getByText("Reset"));
    expect(modelName().value).toBe("veo-3.1");
  });

  it("adds -fl with a start frame and follows its orientation unless one was picked", async () => {
    const ipc = setup();
    await flush();
    await frames.dropPath("start", "/photos/tall.jpg");
    flushSync();
    expect(settings.orientation).toBe("portrait");
    expect(modelName().value).toBe("veo-3.1-fl");
    expect(screen.getByText(/Switched to Portrait to match the start frame/)).toBeTruthy();
    expect(
      screen.getByTestId("slot-start").querySelector('[data-testid="slot-thumb"]'),
    ).toBeTruthy();

    await fireEvent.click(screen.getByTestId("orientation-landscape"));
    expect(modelName().value).toBe("veo-3.1-landscape-fl");
    // The frame's orientation now differs from the model's: Rust is asked again, the slot says so.
    await flush();
    flushSync();
    expect(ipc.calls.filter((c) => c.cmd === "frame_advice").at(-1)?.args.orientation).toBe(
      "landscape",
    );
    expect(screen.getByTestId("slot-start").textContent).toContain("This image is portrait");
    await frames.dropPath("start", "/photos/another-tall.jpg");
    flushSync();
    expect(settings.orientation).toBe("landscape"); // picked explicitly: not switched
  });

  it("refuses an end frame alone, and generates with Ctrl+Enter, creating a card at once", async () => {
    const ipc = setup();
    await flush();
    await frames.dropPath("end", "/photos/b.jpg");
    flushSync();
    expect(screen.getByTestId("generate-reason").textContent).toContain(
      "An end frame needs a start frame.",
    );
    await frames.dropPath("start", "/photos/a.jpg");
    await fireEvent.click(screen.getByTestId("count-3"));
    flushSync();
    expect(generate().disabled).toBe(false);
    expect(generate().textContent).toContain("est. $0.75");
    await fireEvent.keyDown(screen.getByTestId("prompt"), { key: "Enter", ctrlKey: true });
    expect(screen.getAllByTestId("job-card")).toHaveLength(1);
    expect(ipc.calls.find((c) => c.cmd === "start_job")?.args.request).toEqual({
      id: jobs.jobs[0].id,
      prompt: "",
      model: "veo-3.1-landscape-fl",
      n: 3,
      // Nothing chosen, nothing sent: the gateway's defaults.
      options: {},
    });
    // A double click or a repeated shortcut starts one job: Generate rests a moment.
    await fireEvent.click(generate());
    await fireEvent.keyDown(screen.getByTestId("prompt"), { key: "Enter", ctrlKey: true });
    expect(screen.getAllByTestId("job-card")).toHaveLength(1);
    expect(generate().disabled).toBe(true);
    expect(generate().textContent).toContain("Started");
    // Then the form is usable again: a second job runs beside the first.
    await new Promise((r) => setTimeout(r, REST_MS + 50));
    flushSync();
    await fireEvent.click(generate());
    expect(screen.getAllByTestId("job-card")).toHaveLength(2);
    expect(new Set(jobs.jobs.map((j) => j.id)).size).toBe(2);
  });
});
