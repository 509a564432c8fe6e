import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../lib/app.svelte";
import type { ShotRecord } from "../lib/bindings/ShotRecord";
import type { StoryPlanView } from "../lib/bindings/StoryPlanView";
import { settings } from "../lib/settings.svelte";
import { storyboards } from "../lib/storyboard.svelte";
import { appInfo, clearMocks, flush, installIpc } from "../test/ipc";
import StoryboardView from "./StoryboardView.svelte";

// jsdom has no PointerEvent: a mouse event with a pointer id stands in for it.
if (!("PointerEvent" in window)) {
  class PointerEvent extends MouseEvent {
    pointerId: number;
    constructor(type: string, init: PointerEventInit = {}) {
      super(type, init);
      this.pointerId = init.pointerId ?? 0;
    }
  }
  Object.assign(window, { PointerEvent });
}

const BOARD = { id: "b1", name: "Paper boat", createdAt: 0, updatedAt: 0, shots: 3, chosen: 1 };

function shot(position: number, over: Partial<ShotRecord> = {}): ShotRecord {
  return {
    id: `s${position}`,
    storyboardId: "b1",
    position,
    chosen: null,
    outOfDate: false,
    jobs: [],
    takes: [],
    prompt: `shot number ${position}`,
    startFrame: null,
    endFrame: null,
    model: "veo-3.1-fast",
    options: {},
    n: 1,
    continues: position > 1,
    inMs: null,
    outMs: null,
    ...over,
  };
}

const take = { videoId: "j1-1", jobId: "j1", index: 1, state: "saved" as const, poster: true };
const shots = () => [
  shot(1, {
    chosen: "j1-1",
    takes: [take],
    jobs: [{ jobId: "j1", state: "done", n: 1, delivered: 1, priceUsd: 0.15, createdAt: 0 }],
  }),
  shot(2),
  shot(3),
];

const plan: StoryPlanView = {
  token: 7,
  storyboardId: "b1",
  shots: [
    {
      shotId: "s2",
      position: 2,
      model: "veo-3.1-fast",
      n: 1,
      priceUsd: 0.15,
      continuesFrom: 1,
      waits: false,
      problem: null,
      problemZh: null,
    },
    {
      shotId: "s3",
      position: 3,
      model: "veo-3.1-fast",
      n: 1,
      priceUsd: 0.15,
      continuesFrom: 2,
      waits: true,
      problem: null,
      problemZh: null,
    },
  ],
  sendable: 2,
  videos: 2,
  estimateUsd: 0.3,
  monthUsd: 4,
  budgetUsd: 4.2,
  overBudget: true,
};

function cards(): { state: string; text: string }[] {
  return screen
    .getAllByTestId("shot-card")
    .map((c) => ({ state: c.dataset.state ?? "", text: c.textContent ?? "" }));
}

describe("the Storyboard view", () => {
  beforeEach(() => {
    settings.lang = "en";
    app.info = appInfo();
    storyboards.shown = null;
    storyboards.plan = null;
    storyboards.live = {};
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("plans before it sends, and sends the plan it showed once confirmed over the budget", async () => {
    const ipc = installIpc({
      storyboard_list: () => [BOARD],
      storyboard_shots: () => shots(),
      storyboard_plan: () => plan,
      storyboard_generate: () => null,
    });
    render(StoryboardView);
    await flush();
    await flush();
    expect(cards().map((c) => c.state)).toEqual(["chosen", "empty", "empty"]);
    expect(cards()[0].text).toContain("$0.15");
    expect(screen.getByTestId("sequence-player").dataset.segments).toBe("1");

    await fireEvent.click(screen.getByTestId("storyboard-generate-missing"));
    await flush();
    expect(ipc.calls.find((c) => c.cmd === "storyboard_plan")?.args).toEqual({
      id: "b1",
      shot: null,
    });
    expect(screen.getByTestId("storyboard-plan-estimate").textContent).toBe("$0.30");
    expect(screen.getByTestId("storyboard-plan").textContent).toContain("after shot 2");
    // Over the month's budget: not before the person confirms.
    const start = screen.getByTestId("storyboard-start") as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    expect(ipc.calls.some((c) => c.cmd === "storyboard_generate")).toBe(false);
    await fireEvent.click(screen.getByTestId("storyboard-confirm"));
    expect(start.disabled).toBe(false);
    await fireEvent.click(start);
    await flush();
    const generated = ipc.calls.filter((c) => c.cmd === "storyboard_generate");
    expect(generated).toHaveLength(1);
    expect(generated[0].args.token).toBe(7);
    expect(generated[0].args.confirmed).toBe(true);
    expect(cards().map((c) => c.state)).toEqual(["chosen", "generating", "generating"]);
  });

  it("moves a shot with Alt and an arrow key", async () => {
    const ipc = installIpc({
      storyboard_list: () => [BOARD],
      storyboard_shots: () => shots(),
      shot_reorder: () => null,
    });
    render(StoryboardView);
    await flush();
    await flush();
    await fireEvent.keyDown(screen.getAllByTestId("shot-card")[2], {
      key: "ArrowLeft",
      altKey: true,
    });
    await flush();
    expect(ipc.calls.find((c) => c.cmd === "shot_reorder")?.args).toEqual({
      storyboard: "b1",
      ids: ["s1", "s3", "s2"],
    });
  });

  it("moves a shot where it is dragged, and selects one that is only clicked", async () => {
    const ipc = installIpc({
      storyboard_list: () => [BOARD],
      storyboard_shots: () => shots(),
      shot_reorder: () => null,
    });
    render(StoryboardView);
    await flush();
    await flush();
    const cards = screen.getAllByTestId("shot-card");
    cards.forEach((card, i) => {
      card.getBoundingClientRect = () =>
        ({ left: i * 200, width: 180, top: 0, height: 150 }) as DOMRect;
    });
    await fireEvent.pointerDown(cards[0], { button: 0, clientX: 90, pointerId: 1 });
    await fireEvent.pointerMove(cards[0], { clientX: 300, pointerId: 1 });
    await fireEvent.pointerMove(cards[0], { clientX: 590, pointerId: 1 });
    await fireEvent.pointerUp(cards[0], { pointerId: 1 });
    await fireEvent.click(cards[0]);
    await flush();
    expect(ipc.calls.find((c) => c.cmd === "shot_reorder")?.args).toEqual({
      storyboard: "b1",
      ids: ["s2", "s3", "s1"],
    });
    // The click that ends a drag selects nothing; a plain click selects.
    expect(storyboards.selected).toBe("s1");
    await fireEvent.click(screen.getAllByTestId("shot-card")[1]);
    expect(storyboards.selected).toBe("s2");
  });

  it("offers to name a first storyboard when there is none", async () => {
    const made: (typeof BOARD)[] = [];
    const ipc = installIpc({
      storyboard_list: () => made,
      storyboard_create: (a) => {
        made.push({ ...BOARD, id: "b2", name: String(a.name), shots: 0, chosen: 0 });
        return made[0];
      },
      storyboard_shots: () => [],
    });
    render(StoryboardView);
    await flush();
    const name = screen.getByTestId("storyboard-first-name") as HTMLInputElement;
    await fireEvent.input(name, { target: { value: "Harbour" } });
    await fireEvent.click(screen.getByTestId("storyboard-first-create"));
    await flush();
    expect(ipc.calls.find((c) => c.cmd === "storyboard_create")?.args).toEqual({
      name: "Harbour",
    });
    expect(screen.getByTestId("shot-add")).toBeTruthy();
  });
});
