import { cleanup, fireEvent, render, screen, within } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "../App.svelte";
import { app } from "../lib/app.svelte";
import type { LibraryFilter } from "../lib/bindings/LibraryFilter";
import type { LibraryItem } from "../lib/bindings/LibraryItem";
import { frames } from "../lib/frames.svelte";
import { jobs } from "../lib/jobs.svelte";
import { emptyFilters, KEEP_PAGES, library } from "../lib/library.svelte";
import { settings } from "../lib/settings.svelte";
import { spend } from "../lib/spend.svelte";
import { appInfo, clearMocks, flush, installIpc } from "../test/ipc";

const JOBS = 10_000;
/** Takes marked as keepers in the mocked library. */
const favourites = new Set<string>();

/** Job `i` of a library of `JOBS` (newest first), four saved takes each. */
function item(i: number): LibraryItem {
  const id = `01900000-0000-7000-8000-${String(i).padStart(12, "0")}`;
  const keeper = [1, 2, 3, 4].find((index) => favourites.has(`${id}-${index}`)) ?? 1;
  return {
    id,
    createdAt: 1_700_000_000_000 - i * 60_000,
    prompt: i % 2 ? `a fox in the snow, take ${i}` : `a paper boat ${i}`,
    model: i % 3 ? "veo-3.1-fast" : "veo-3.1",
    n: 4,
    state: "done",
    takes: 4,
    keeper: {
      id: `${id}-${keeper}`,
      index: keeper,
      state: "saved",
      poster: true,
      favourite: favourites.has(`${id}-${keeper}`),
    },
    continued: false,
  };
}

/** The fake jobs the filter's prompt text matches. */
function matching(a: Record<string, unknown>): number[] {
  const filter = a.filter as LibraryFilter;
  const all = Array.from({ length: JOBS }, (_, i) => i);
  return filter.text ? all.filter((i) => item(i).prompt.includes(String(filter.text))) : all;
}

/** A page of the fake jobs. */
function page(a: Record<string, unknown>) {
  const offset = a.offset as number;
  const limit = a.limit as number;
  return {
    offset,
    items: matching(a)
      .slice(offset, offset + limit)
      .map(item),
  };
}

/** The mocked library. */
function libraryIpc(extra: Parameters<typeof installIpc>[0] = {}) {
  return installIpc({
    app_info: () => appInfo(),
    library_models: () => [
      { model: "veo-3.1-fast", jobs: 6667 },
      { model: "veo-3.1", jobs: 3333 },
    ],
    library_page: page,
    library_count: (a) => matching(a).length,
    set_favourite: (a) => {
      if (a.favourite) favourites.add(String(a.id));
      else favourites.delete(String(a.id));
      return null;
    },
    spend_report: () => ({ month: "2026-11", monthUsd: 48, budgetUsd: 50, months: [], days: [] }),
    ...extra,
  });
}

/** jsdom lays nothing out: give elements the size of a 1000 × 600 grid. */
function viewport(width: number, height: number) {
  const define = (name: "clientWidth" | "clientHeight", value: number) =>
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
  define("clientWidth", width);
  define("clientHeight", height);
}

async function settle() {
  for (let i = 0; i < 4; i++) {
    await flush();
    flushSync();
  }
}

const tiles = () => screen.queryAllByTestId("library-tile");
/** How many filters the grid has answered (what the benchmark waits for). */
const answered = () => Number(screen.getByTestId("library-grid").dataset.answered);
/** The address each poster in the grid has (`null`: not asked for yet). */
const posterSrc = () =>
  tiles().flatMap((t) => [...t.querySelectorAll("img")].map((i) => i.getAttribute("src")));

describe("the library view", () => {
  beforeEach(() => {
    settings.lang = "en";
    app.view = "generate";
    app.info = null;
    library.filters = emptyFilters();
    library.total = null;
    library.counted = false;
    library.selected = null;
    jobs.jobs = [];
    favourites.clear();
    viewport(1000, 600);
  });
  afterEach(() => {
    cleanup();
    clearMocks();
    delete (HTMLElement.prototype as { clientWidth?: number }).clientWidth;
    delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
  });

  it("renders only the visible rows of ten thousand jobs, and keeps memory bounded while scrolling", async () => {
    const ipc = libraryIpc();
    render(App);
    await settle();
    await fireEvent.click(screen.getByTestId("nav-library"));
    await settle();
    expect(screen.getByTestId("library-count").textContent).toBe("10,000 jobs");
    const grid = screen.getByTestId("library-grid");
    const columns = Number(grid.dataset.columns);
    expect(columns).toBe(4);
    const rendered = tiles().length;
    // 600 px of ~190 px rows, and a row of overscan each side: a few dozen, not ten thousand.
    expect(rendered).toBeGreaterThanOrEqual(columns * 3);
    expect(rendered).toBeLessThanOrEqual(columns * 9);
    expect(tiles()[0].dataset.jobId).toBe(item(0).id);
    const badge = within(tiles()[0]).getByTestId("take-count");
    expect(badge.textContent).toContain("4");
    const poster = tiles()[0].querySelector("img");
    expect(poster?.getAttribute("src")).toBe(`http://127.0.0.1:9/poster/t/${item(0).id}-1`);

    // Deep into the grid: the rows there, and none of the first.
    const row = Math.round(
      Number(screen.getAllByTestId("library-row")[1].style.transform.match(/\d+/)?.[0]) - 20,
    );
    // (At the top, the rows that would be above are not rendered; two rows down they are.)
    grid.scrollTop = row * 2;
    await fireEvent.scroll(grid);
    await settle();
    const elements = new Set(screen.getAllByTestId("library-row"));
    // The grid's clock is the test's from here, so how long a loaded machine takes between two
    // steps cannot decide whether a row has "stayed a moment".
    let now = performance.now();
    const clock = vi.spyOn(performance, "now").mockImplementation(() => now);
    grid.scrollTop = row * 1500;
    await fireEvent.scroll(grid);
    await settle();
    const shown = tiles().map((t) => Number(t.dataset.index));
    expect(shown.length).toBeLessThanOrEqual(columns * 9);
    // The rows are the same elements, given other jobs: nothing made or dropped by scrolling.
    expect(screen.getAllByTestId("library-row").every((r) => elements.has(r))).toBe(true);
    // Posters of rows scrolled into view load once the rows have stayed a moment.
    await new Promise((resolve) => setTimeout(resolve, 250));
    await settle();
    expect(posterSrc().every((src) => src === null)).toBe(true);
    // …each from its own arrival, even while a slow scroll goes on.
    for (let i = 0; i < 6; i++) {
      now += 40;
      grid.scrollTop += 1;
      await fireEvent.scroll(grid);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    now += 200;
    await new Promise((resolve) => setTimeout(resolve, 250));
    await settle();
    clock.mockRestore();
    expect(posterSrc().every((src) => src?.includes("/poster/"))).toBe(true);
    expect(Math.min(...shown)).toBeGreaterThan(5000);
    expect(shown).not.toContain(0);
    const pages = ipc.calls.filter((c) => c.cmd === "library_page").map((c) => c.args.offset);
    expect(pages).toContain(0);
    expect(pages.some((o) => (o as number) > 5000)).toBe(true);

    // Scrolling through everything keeps a bounded number of pages.
    for (let top = 0; top < row * 2600; top += row * 150) {
      grid.scrollTop = top;
      await fireEvent.scroll(grid);
      await settle();
    }
    expect(library.pagesHeld).toBeLessThanOrEqual(KEEP_PAGES);
    expect(tiles().length).toBeLessThanOrEqual(columns * 9);
  });

  it("asks for no posters while the next keystroke's answer is on its way", async () => {
    let answer: Promise<void> | null = null;
    let release = () => {};
    libraryIpc({ library_page: (a) => (answer ? answer.then(() => page(a)) : page(a)) });
    render(App);
    await settle();
    await fireEvent.click(screen.getByTestId("nav-library"));
    await settle();
    const search = screen.getByTestId("library-search") as HTMLInputElement;
    await fireEvent.input(search, { target: { value: "boat 1" } });
    await settle();
    answer = new Promise((resolve) => {
      release = resolve;
    });
    await fireEvent.input(search, { target: { value: "boat 14" } });
    await settle();
    // "boat 1" holds for longer than the moment, but the next filter has been asked for: its
    // answer would wait behind these posters.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    expect(tiles().every((t) => t.getAttribute("aria-label")?.includes("boat 1"))).toBe(true);
    expect(posterSrc().length).toBeGreaterThan(0);
    expect(posterSrc().every((src) => src === null)).toBe(true);
    // A job finishes meanwhile and the library is asked again: that answers the search too.
    const before = answered();
    void library.reload();
    answer = null;
    release();
    await settle();
    expect(answered()).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await settle();
    expect(tiles().every((t) => t.getAttribute("aria-label")?.includes("boat 14"))).toBe(true);
    expect(posterSrc().every((src) => src?.includes("/poster/"))).toBe(true);
  });

  it("searches as the person types and narrows by the filters", async () => {
    const ipc = libraryIpc();
    render(App);
    await settle();
    await fireEvent.click(screen.getByTestId("nav-library"));
    await settle();
    const search = screen.getByTestId("library-search") as HTMLInputElement;
    const before = answered();
    await fireEvent.input(search, { target: { value: "boat 12" } });
    await settle();
    // What the benchmark waits for, the same search typed on or not.
    expect(answered()).toBe(before + 1);
    const last = () =>
      ipc.calls.filter((c) => c.cmd === "library_page").at(-1)?.args.filter as LibraryFilter;
    expect(last().text).toBe("boat 12");
    // 12, 120–128 even, 1200–1298 even…: every one a paper boat.
    expect(tiles().length).toBeGreaterThan(0);
    expect(tiles().every((t) => t.getAttribute("aria-label")?.includes("paper boat 12"))).toBe(
      true,
    );
    expect(screen.getByTestId("library-count").textContent).toMatch(/^\d+ jobs$/);
    // The jobs found come without the last posters, and without their own while typing may go
    // on (a frame later); theirs are asked for once the search has held a moment.
    expect(posterSrc().length).toBeGreaterThan(0);
    expect(posterSrc().every((src) => src === null)).toBe(true);
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
    await settle();
    expect(posterSrc().every((src) => src === null)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await settle();
    const found = posterSrc();
    expect(found.every((src) => src?.includes("/poster/"))).toBe(true);
    // Typed on, the same jobs in the same places: their posters stay.
    await fireEvent.input(search, { target: { value: "paper boat 12" } });
    await settle();
    expect(last().text).toBe("paper boat 12");
    expect(posterSrc()).toEqual(found);

    await fireEvent.change(screen.getByTestId("filter-model"), { target: { value: "veo-3.1" } });
    await settle();
    expect(last()).toMatchObject({ text: "paper boat 12", model: "veo-3.1" });
    await fireEvent.change(screen.getByTestId("filter-outcome"), { target: { value: "expired" } });
    await fireEvent.change(screen.getByTestId("filter-frames"), { target: { value: "without" } });
    await fireEvent.click(screen.getByTestId("filter-favourites"));
    await fireEvent.change(screen.getByTestId("filter-from"), { target: { value: "2026-03-01" } });
    await fireEvent.change(screen.getByTestId("filter-to"), { target: { value: "2026-03-31" } });
    await fireEvent.change(screen.getByTestId("filter-order"), { target: { value: "oldest" } });
    await settle();
    const f = last();
    expect(f).toMatchObject({
      outcome: "expired",
      withFrames: false,
      favourites: true,
      order: "oldest",
      since: new Date(2026, 2, 1).getTime(),
      until: new Date(2026, 3, 1).getTime(), // the whole last day
    });
    await fireEvent.click(screen.getByTestId("filter-clear"));
    await settle();
    expect(last()).toEqual({ favourites: false, order: "newest" });
  });

  it("ignores an answer to an older search that arrives after a newer one", async () => {
    const answers: ((v: unknown) => void)[] = [];
    libraryIpc({
      library_page: (a) =>
        new Promise((resolve) => {
          const text = (a.filter as LibraryFilter).text ?? "";
          answers.push(() =>
            resolve({
              offset: 0,
              items: text === "new" ? [item(1)] : [item(2), item(4)],
            }),
          );
        }),
    });
    library.filters.text = "old";
    const older = library.reload();
    library.filters.text = "new";
    const newer = library.reload();
    answers[1](null);
    await newer;
    answers[0](null);
    await older;
    expect(library.total).toBe(1);
    expect(library.item(0)?.id).toBe(item(1).id);
  });

  it("shows a search's first jobs before they are counted, and counts once per filter", async () => {
    let counting: Promise<void> | null = null;
    let release = () => {};
    const ipc = libraryIpc({
      library_count: (a) =>
        counting ? counting.then(() => matching(a).length) : matching(a).length,
    });
    const counts = () => ipc.calls.filter((c) => c.cmd === "library_count").length;
    render(App);
    await settle();
    await fireEvent.click(screen.getByTestId("nav-library"));
    await settle();
    const count = screen.getByTestId("library-count");
    expect(count.textContent).toBe("10,000 jobs");
    expect(counts()).toBe(1);

    // The count of "boat" is slow: the jobs found are shown meanwhile, under the last count.
    counting = new Promise((resolve) => {
      release = resolve;
    });
    const search = screen.getByTestId("library-search") as HTMLInputElement;
    await fireEvent.input(search, { target: { value: "boat" } });
    await settle();
    expect(tiles().length).toBeGreaterThan(0);
    expect(tiles().every((t) => t.getAttribute("aria-label")?.includes("paper boat"))).toBe(true);
    expect(count.textContent).toBe("10,000 jobs");
    expect(count.classList.contains("counting")).toBe(true);
    expect(library.rows).toBe(48);
    counting = null;
    release();
    await settle();
    expect(count.textContent).toBe("5,000 jobs");
    expect(count.classList.contains("counting")).toBe(false);
    expect(library.rows).toBe(5000);
    expect(counts()).toBe(2);

    // Scrolling reads pages, and counts nothing again.
    const grid = screen.getByTestId("library-grid");
    grid.scrollTop = 20_000;
    await fireEvent.scroll(grid);
    await settle();
    expect(ipc.calls.filter((c) => c.cmd === "library_page").length).toBeGreaterThan(2);
    expect(counts()).toBe(2);

    // A first page that is not full holds every match: nothing to count.
    await fireEvent.input(search, { target: { value: "boat 123" } });
    await settle();
    expect(count.textContent).toBe("5 jobs"); // 123, 1230–1238 even
    expect(count.classList.contains("counting")).toBe(false);
    expect(counts()).toBe(2);
    await fireEvent.input(search, { target: { value: "boat 1234567" } });
    await settle();
    expect(screen.getByTestId("library-empty")).toBeTruthy();
    expect(counts()).toBe(2);
  });

  it("opens a job with Enter, marks its keeper with F, and reuses its settings", async () => {
    const id = item(3).id;
    const record = {
      ...item(3),
      priceUsd: 0.15,
      delivered: 4,
      startFrame: null,
      endFrame: null,
      continues: [],
      videos: [1, 2, 3, 4].map((index) => ({
        id: `${id}-${index}`,
        jobId: id,
        index,
        url: `https://cdn/${id}/${index}.mp4`,
        deliveredAt: 0,
        state: "saved" as const,
        path: `/videos/${id}-${index}.mp4`,
        bytes: 1,
        total: 1,
        error: null,
        savedAt: 0,
        favourite: false,
        poster: true,
      })),
      transcript: ["> ✅ done"],
      error: null,
      updatedAt: 0,
      finishedAt: 0,
      origin: "app",
      gatewayHost: "gw",
      authScheme: "bare",
      saveDir: null,
      retryOf: null,
      options: {},
      references: [],
      route: "stream",
      baseUrl: null,
      profileId: null,
      deadlineAt: null,
      label: null,
      phase: null,
      progress: 100,
      statusText: null,
      failures: [],
      model: "veo-3.1-landscape-fast",
      n: 2,
    };
    const ipc = libraryIpc({
      library_job: () => record,
      reuse_frames: () => [null, null],
    });
    const played: HTMLMediaElement[] = [];
    const paused: HTMLMediaElement[] = [];
    let isPaused = true;
    Object.defineProperty(HTMLMediaElement.prototype, "paused", {
      configurable: true,
      get: () => isPaused,
    });
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      played.push(this);
      isPaused = false;
      return Promise.resolve();
    };
    HTMLMediaElement.prototype.pause = function (this: HTMLMediaElement) {
      paused.push(this);
      isPaused = true;
    };
    render(App);
    await settle();
    await fireEvent.click(screen.getByTestId("nav-library"));
    await settle();
    const grid = screen.getByTestId("library-grid");
    await fireEvent.keyDown(grid, { key: "ArrowRight" });
    await fireEvent.keyDown(grid, { key: "ArrowDown" });
    const pages = () => ipc.calls.filter((c) => c.cmd === "library_page").length;
    const asked = pages();
    await fireEvent.keyDown(grid, { key: "f" });
    await settle();
    const fav = ipc.calls.find((c) => c.cmd === "set_favourite");
    expect(fav?.args).toEqual({ id: `${item(5).id}-1`, favourite: true });
    // Its tile shows the star, and its page was asked for again (the keeper may have changed).
    const starred = tiles().find((tile) => tile.dataset.jobId === item(5).id);
    expect(starred && within(starred).getByTitle("Has a favourite take")).toBeTruthy();
    expect(pages()).toBe(asked + 1);
    await fireEvent.keyDown(grid, { key: "ArrowUp" });
    await fireEvent.keyDown(grid, { key: "ArrowRight" });
    await fireEvent.keyDown(grid, { key: "ArrowRight" });
    await fireEvent.keyDown(grid, { key: "Enter" });
    await settle();
    const detail = screen.getByTestId("job-detail");
    expect(detail.dataset.jobId).toBe(item(3).id);
    expect(within(detail).getAllByTestId("take")).toHaveLength(4);
    expect(within(detail).getByTestId("detail-transcript").textContent).toContain("✅ done");
    expect(within(detail).getByTestId("detail-run-again").textContent).toContain("$0.30");
    // Enter played the keeper take; Space pauses it, and plays it again.
    expect(played.map((v) => v.getAttribute("src"))).toEqual([
      `http://127.0.0.1:9/media/t/${item(3).id}-1`,
    ]);
    await fireEvent.keyDown(grid, { key: " " });
    await settle();
    expect(paused).toHaveLength(1);
    await fireEvent.keyDown(grid, { key: " " });
    await settle();
    expect(played).toHaveLength(2);

    await fireEvent.click(within(detail).getByTestId("detail-reuse"));
    await settle();
    expect(ipc.calls.some((c) => c.cmd === "reuse_frames" && c.args.job === item(3).id)).toBe(true);
    expect(app.view).toBe("generate");
    expect(settings.prompt).toBe(record.prompt);
    expect(settings.count).toBe(2);
    expect(settings.speed).toBe("fast");
    expect(settings.orientation).toBe("landscape");
    expect(app.model).toBe("veo-3.1-landscape-fast");
    expect(frames.start.view).toBeNull();
  });

  it("warns before a Generate would take the month over the budget, and asks a second click", async () => {
    const ipc = libraryIpc();
    settings.prompt = "a fox";
    settings.count = 2;
    settings.modelOverride = null;
    settings.speed = "standard";
    render(App);
    await settle();
    await spend.load();
    flushSync();
    // $48 spent of $50; two standard videos at $0.25 are within it.
    expect(screen.queryByTestId("budget-warning")).toBeNull();
    settings.count = 4;
    settings.modelOverride = "veo-3.1-landscape";
    app.info = appInfo({ prices: { ...appInfo().prices, standard: 0.75, fast: 0.15 } });
    flushSync();
    const warning = screen.getByTestId("budget-warning");
    expect(warning.textContent).toContain("$51.00");
    expect(warning.textContent).toContain("$50.00");
    await fireEvent.click(screen.getByTestId("generate"));
    await settle();
    expect(ipc.calls.some((c) => c.cmd === "start_job")).toBe(false);
    expect(screen.getByTestId("generate").textContent).toContain("Generate anyway");
    await fireEvent.click(screen.getByTestId("generate"));
    await settle();
    expect(ipc.calls.filter((c) => c.cmd === "start_job")).toHaveLength(1);
    settings.modelOverride = null;
  });
});
