// A `<video>` taken out of the page keeps its media pipeline (decoder, buffers, the frames it
// decoded) until the garbage collector frees the element, which may be minutes away: leaving
// the Generate view with eight past takes on it kept about 60 MB in WebKit's web process.
// `use:release` lets the pipeline go the moment the element leaves the page.

/** Svelte action: stops and empties a media element when it is removed. */
export function release(media: HTMLMediaElement): { destroy: () => void } {
  return {
    destroy() {
      media.pause();
      media.removeAttribute("src");
      media.load();
    },
  };
}
