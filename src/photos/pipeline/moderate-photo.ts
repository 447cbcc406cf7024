import type { ImageModerator } from '../../media/moderation/moderator.js';

export interface ModerationVerdict {
  readonly held: boolean;
  /** Safe to show the owner. */
  readonly detail: string;
}

const NOT_HELD: ModerationVerdict = { held: false, detail: '' };

/** What the transform made of an animation for the model (TransformedImage's fields of that name). */
export interface AnimationFrames {
  /** The chosen frames after the first (the thumbnail), as small JPEGs. */
  readonly laterFrames: readonly Buffer[];
  /** Too long to render its later frames within the pixel limit: none were decoded. */
  readonly framesUnchecked: boolean;
}

const STILL: AnimationFrames = { laterFrames: [], framesUnchecked: false };

/**
 * Classifies the small thumbnail (not the upload: it is already decoded, re-encoded and tiny, so
 * the model never sees hostile bytes and costs ~tens of ms). Flagged photos are held for review.
 * An animation's chosen later frames (`laterFrames`, small JPEGs of the transform) go through the
 * model with the thumbnail in one batch, and the photo is held when any of them is flagged: explicit
 * frames after an innocent first one must not pass. A still sends the thumbnail alone, as before.
 * An animation too long to check is held for a person without asking the model (fail closed).
 */
export async function moderatePhoto(moderator: ImageModerator | null, thumbnailJpeg: Buffer, animation: AnimationFrames = STILL): Promise<ModerationVerdict> {
  if (!moderator) return NOT_HELD;
  if (animation.framesUnchecked) {
    return { held: true, detail: 'Held for review: this animation has too many frames for the automatic content check. Only you can see it.' };
  }
  const { laterFrames } = animation;
  if (laterFrames.length === 0) {
    const result = await moderator.classify(thumbnailJpeg);
    if (!result.flagged) return NOT_HELD;
    return { held: true, detail: `Held for review: the content check classified this photo as “${result.label}”. Only you can see it.` };
  }
  const flagged = (await moderator.classifyAll([thumbnailJpeg, ...laterFrames])).find((result) => result.flagged);
  if (!flagged) return NOT_HELD;
  return { held: true, detail: `Held for review: the content check classified a frame of this animation as “${flagged.label}”. Only you can see it.` };
}
