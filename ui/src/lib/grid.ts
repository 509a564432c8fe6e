// The library grid's geometry, as pure functions: how many columns fit, how tall a row is, and
// which rows a scroll position shows. Only those rows (and a few around them) are rendered, so
// the window stays light with tens of thousands of jobs.

export interface Layout {
  columns: number;
  /** Width of a tile, px. */
  tile: number;
  /** Height of a row, gap included, px. */
  row: number;
}

/** Below this a tile is too small to read its poster. */
export const MIN_TILE = 200;
export const GAP = 14;
/** The caption under a poster: prompt and facts. */
export const CAPTION = 54;
/** Rows rendered beyond each edge of the view. */
export const OVERSCAN = 1;

/** Columns and row height for a grid `width` px wide (its padding already taken off). */
export function layout(width: number, minTile = MIN_TILE, gap = GAP): Layout {
  const columns = Math.max(1, Math.floor((Math.max(0, width) + gap) / (minTile + gap)));
  const tile = Math.max(1, (width - gap * (columns - 1)) / columns);
  return { columns, tile, row: Math.round((tile * 9) / 16 + CAPTION + gap) };
}

export interface Window {
  /** First and last row rendered (inclusive); `last < first` when there is nothing. */
  first: number;
  last: number;
  /** The items those rows hold: `[start, end)`. */
  start: number;
  end: number;
  /** Height of everything, so the scrollbar is true. */
  height: number;
}

/** The rows to render at `scrollTop` in a viewport `viewport` px tall, with `overscan` rows more. */
export function visible(
  total: number,
  { columns, row }: Layout,
  scrollTop: number,
  viewport: number,
  overscan = OVERSCAN,
): Window {
  const rows = Math.ceil(total / columns);
  const height = rows * row;
  if (rows === 0 || row <= 0) return { first: 0, last: -1, start: 0, end: 0, height };
  // Away from the top, always the same number of rows (`ring`): a row scrolled out is reused for
  // the one coming in, never dropped and made again. At the top the rows that would be above are
  // not rendered below instead: a new search fills only what is in view and one row more.
  const top = Math.floor(scrollTop / row);
  const first = Math.max(0, top - overscan);
  const last = Math.min(rows - 1, top + Math.ceil(Math.max(0, viewport) / row) + overscan);
  return {
    first,
    last,
    start: first * columns,
    end: Math.min(total, (last + 1) * columns),
    height,
  };
}

/**
 * How many rows `visible` renders away from the top (the most it renders) for a viewport
 * `viewport` px tall with rows `row` px tall. Keyed by `row % ring`, the rendered rows never share
 * a key, and a row scrolling out hands its key to the one coming in.
 */
export function ring(row: number, viewport: number, overscan = OVERSCAN): number {
  return Math.ceil(Math.max(0, viewport) / Math.max(1, row)) + 2 * overscan + 1;
}

/** Where keyboard focus goes from `index` on `key` (arrows, Home, End, Page Up/Down). */
export function move(
  index: number,
  key: string,
  total: number,
  columns: number,
  rowsPerPage: number,
): number {
  if (total === 0) return -1;
  const step: Record<string, number> = {
    ArrowRight: 1,
    ArrowLeft: -1,
    ArrowDown: columns,
    ArrowUp: -columns,
    PageDown: columns * Math.max(1, rowsPerPage),
    PageUp: -columns * Math.max(1, rowsPerPage),
  };
  if (key === "Home") return 0;
  if (key === "End") return total - 1;
  if (!(key in step)) return index;
  if (index < 0) return 0;
  const next = index + step[key];
  // Up from the first row and down from the last stay in their column's reach.
  if (next < 0) return key === "ArrowUp" || key === "PageUp" ? index % columns : 0;
  if (next >= total) return key === "ArrowRight" ? index : total - 1;
  return next;
}
