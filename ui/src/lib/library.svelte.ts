// The library view's state: the filter, how many jobs match, and the pages of jobs fetched so far.
// The grid asks for the items it shows (`item(i)`); missing pages are fetched once, and only a
// bounded number of pages is kept, so memory stays flat however far the person scrolls. A
// newer filter wins over answers still in flight for an older one. A changed filter's first
// page is shown as soon as it arrives; how many match is asked after it (a short search counts
// by reading every prompt), and only when that page is full: a shorter one is every match.

import { api, errorReport } from "./api";
import type { ErrorReport } from "./bindings/ErrorReport";
import type { LibraryFilter } from "./bindings/LibraryFilter";
import type { LibraryItem } from "./bindings/LibraryItem";
import type { ModelCount } from "./bindings/ModelCount";
import type { Order } from "./bindings/Order";
import type { Outcome } from "./bindings/Outcome";
import type { Take } from "./bindings/Take";
import type { VideoRecord } from "./bindings/VideoRecord";

/** Jobs per fetched page. */
export const PAGE = 48;
/** Pages kept; the oldest used is dropped first. */
export const KEEP_PAGES = 12;

export type FramesFilter = "any" | "with" | "without";

export interface Filters {
  text: string;
  model: string | null;
  /** `YYYY-MM-DD`, local, inclusive; "" for none. */
  from: string;
  to: string;
  outcome: Outcome | null;
  favourites: boolean;
  frames: FramesFilter;
  order: Order;
}

export function emptyFilters(): Filters {
  return {
    text: "",
    model: null,
    from: "",
    to: "",
    outcome: null,
    favourites: false,
    frames: "any",
    order: "newest",
  };
}

/** Local midnight of a `YYYY-MM-DD`, in Unix ms; `days` later when given. */
export function localDay(date: string, days = 0): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).getTime();
}

/** The filter as the library's query takes it. */
export function toQuery(f: Filters): LibraryFilter {
  const text = f.text.trim();
  return {
    text: text || undefined,
    model: f.model ?? undefined,
    since: localDay(f.from),
    until: localDay(f.to, 1),
    outcome: f.outcome ?? undefined,
    favourites: f.favourites,
    withFrames: f.frames === "any" ? undefined : f.frames === "with",
    order: f.order,
  };
}

/** The job a video (`<job id>-<index>`) belongs to. */
function jobOf(videoId: string): string {
  return videoId.slice(0, videoId.lastIndexOf("-"));
}

/**
 * The take a job's tile shows: its favourite, else its first saved, else its first. (The library
 * picks each page's keepers by the same rule.)
 */
export function keeper(item: { videos: VideoRecord[] }): VideoRecord | null {
  return (
    item.videos.find((v) => v.favourite) ??
    item.videos.find((v) => v.state === "saved") ??
    item.videos[0] ??
    null
  );
}

export class LibraryStore {
  filters: Filters = $state(emptyFilters());
  /** Jobs matching the filter as last counted; `null` until the first answer. */
  total: number | null = $state(null);
  /** `total` is the current filter's: not still being counted after a change of filter. */
  counted = $state(false);
  models: ModelCount[] = $state([]);
  error: ErrorReport | null = $state(null);
  /** The job whose details are open. */
  selected: string | null = $state(null);
  /** Bumped when a page arrives, so the grid reads `item()` again. */
  version = $state(0);
  /** Bumped when a changed filter is answered: the grid goes back to its first job. */
  filtered = $state(0);
  /** A changed filter is asked and not yet answered (a keystroke in the search field). */
  searching = $state(false);

  #pages = new Map<number, LibraryItem[]>();
  #pending = new Set<number>();
  #seq = 0;

  /** Asks again (the library changed; with `filtered`, the filter did and the grid starts over). */
  async reload(filtered = false): Promise<void> {
    const seq = ++this.#seq;
    this.#pages.clear();
    this.#pending.clear();
    // Asking again while a changed filter is on its way answers that filter too.
    this.searching ||= filtered;
    const first = await this.#fetch(0, seq, this.searching);
    if (seq !== this.#seq) return;
    this.searching = false;
    if (first === undefined) return;
    if (first < PAGE) {
      this.#counted(first);
      return;
    }
    try {
      const total = await api.libraryCount(toQuery(this.filters));
      if (seq === this.#seq) this.#counted(total);
    } catch (e) {
      if (seq === this.#seq) this.error = errorReport(e);
    }
  }

  /** Jobs the grid lays out: all that match once counted, until then the first page's. */
  get rows(): number {
    if (this.counted) return this.total ?? 0;
    this.version; // the first page arrives with it
    return this.#pages.get(0)?.length ?? 0;
  }

  #counted(total: number): void {
    this.total = total;
    this.counted = true;
  }

  /** Changes the filter and asks again. */
  set(change: Partial<Filters>): Promise<void> {
    Object.assign(this.filters, change);
    return this.reload(true);
  }

  async loadModels(): Promise<void> {
    try {
      this.models = await api.libraryModels();
    } catch (e) {
      this.error = errorReport(e);
    }
  }

  /** The item at `index`, or `undefined` while its page is on its way (it is asked for). */
  item(index: number): LibraryItem | undefined {
    const page = Math.floor(index / PAGE);
    const items = this.#pages.get(page);
    if (items) {
      // Most recently used last: the first in the map is the first dropped.
      this.#pages.delete(page);
      this.#pages.set(page, items);
      return items[index - page * PAGE];
    }
    if (!this.#pending.has(page)) void this.#fetch(page, this.#seq, false);
    return undefined;
  }

  /** Changes a tile's take in every loaded page (a poster captured, a favourite marked). */
  updateVideo(videoId: string, change: Partial<Take>): void {
    for (const items of this.#pages.values()) {
      for (const item of items) if (item.keeper?.id === videoId) Object.assign(item.keeper, change);
    }
    this.version++;
  }

  /** Marks a take as a keeper, or not; its job's tile may then show another take. */
  async setFavourite(videoId: string, favourite: boolean): Promise<void> {
    await api.setFavourite(videoId, favourite);
    this.updateVideo(videoId, { favourite });
    const job = jobOf(videoId);
    const pages = [...this.#pages].filter(([, items]) => items.some((i) => i.id === job));
    await Promise.all(pages.map(([page]) => this.#fetch(page, this.#seq, false)));
  }

  /** Deletes a take (file to the trash, record gone) and shows the library again. */
  async deleteVideo(videoId: string): Promise<void> {
    await api.deleteVideo(videoId);
    await this.reload();
  }

  /** Fetches a page; how many jobs it held, or `undefined` if it failed or a newer filter won. */
  async #fetch(page: number, seq: number, filtered: boolean): Promise<number | undefined> {
    this.#pending.add(page);
    try {
      const answer = await api.libraryPage(toQuery(this.filters), page * PAGE, PAGE);
      if (seq !== this.#seq) return undefined; // a newer filter is being answered
      this.#pages.set(page, answer.items);
      while (this.#pages.size > KEEP_PAGES) {
        const oldest = this.#pages.keys().next().value;
        if (oldest === undefined) break;
        this.#pages.delete(oldest);
      }
      // A changed filter's count is the last one's until it is counted; the grid lays out the
      // first page meanwhile. (A changed library keeps its rows: the count is off by a job or
      // two for a moment, and the place scrolled to is kept.)
      if (filtered) {
        this.counted = false;
        this.filtered++;
      }
      this.error = null;
      this.version++;
      return answer.items.length;
    } catch (e) {
      if (seq === this.#seq) this.error = errorReport(e);
      return undefined;
    } finally {
      if (seq === this.#seq) this.#pending.delete(page);
    }
  }

  /** Pages held now (for tests: memory stays bounded). */
  get pagesHeld(): number {
    return this.#pages.size;
  }
}

export const library = new LibraryStore();
