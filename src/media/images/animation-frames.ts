/** How many frames of an animation the moderation model sees, the first included. */
export const MODERATED_FRAMES = 4;

/**
 * The frame indexes of an animation of `pages` frames that the moderation model sees: up to
 * MODERATED_FRAMES spread evenly from the first frame to the last (both included), in order and
 * without repeats; the same indexes for the same count every time. A still (one page) gives [0].
 */
export function chooseModeratedFrames(pages: number): number[] {
  if (!(Number.isInteger(pages) && pages > 1)) return [0];
  const count = Math.min(MODERATED_FRAMES, pages);
  return Array.from({ length: count }, (_, k) => Math.round((k * (pages - 1)) / (count - 1)));
}

/**
 * The pixels libvips composites to render the chosen frames: frame n of a GIF or WebP animation is
 * drawn over the frames before it, so its loader decodes frames 0..n for it (each chosen frame is
 * a decode of its own). This is the cost a hostile animation could inflate with many or large frames.
 */
export function compositedPixels(chosen: readonly number[], framePixels: number): number {
  return chosen.reduce((sum, page) => sum + (page + 1) * framePixels, 0);
}
