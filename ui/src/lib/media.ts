// A `<video>` taken out of the page keeps its media pipeline (decoder, buffers, the frames it
// decoded) until the garbage collector frees the element, which may be minutes away: leaving
// the Generate view with eight past takes on it kept about 60 MB in WebKit's web process.
// `empty` lets the pipeline go at once; `use:release` does it when the element leaves the page.

/** Stops a media element and drops its source, so its pipeline goes now. */
export function empty(media: HTMLMediaElement): void {
  media.pause();
  media.removeAttribute("src");
  media.load();
}

/** Svelte action: empties a media element when it is removed. */
export function release(media: HTMLMediaElement): { destroy: () => void } {
  return { destroy: () => empty(media) };
}
