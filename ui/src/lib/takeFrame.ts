// "Use as start frame" / "Use as end frame": the paused video's frame, captured at its full size,
// goes through Rust's frames pipeline into the slot, which remembers the video and the moment.

import type { Slot } from "./bindings/Slot";
import { captureFrame } from "./capture";
import { frames } from "./frames.svelte";
import { formatMoment, localMessage } from "./i18n";
import { settings, t } from "./settings.svelte";
import { toasts } from "./toasts.svelte";

/** Takes the frame `element` shows (pausing it) as `slot`'s frame; says how it went. */
export async function useFrame(
  slot: Slot,
  element: HTMLVideoElement,
  videoId: string,
  index: number,
): Promise<void> {
  element.pause();
  const atMs = element.currentTime * 1000;
  try {
    const png = await captureFrame(element);
    await frames.fromVideo(slot, videoId, atMs, png);
  } catch (e) {
    toasts.error(e);
    return;
  }
  const error = frames.slots[slot].error;
  if (error) toasts.show(() => localMessage(settings.lang, error), "error");
  else
    toasts.show(() =>
      t(slot === "start" ? "frameTakenStart" : "frameTakenEnd", {
        n: index,
        at: formatMoment(atMs),
      }),
    );
}
