import type { ImageModerator } from '../../media/moderation/moderator.js';

export interface ModerationVerdict {
  readonly held: boolean;
  /** Safe to show the owner. */
  readonly detail: string;
}

const NOT_HELD: ModerationVerdict = { held: false, detail: '' };

/**
 * Classifies the small thumbnail (not the upload: it is already decoded, re-encoded and tiny, so
 * the model never sees hostile bytes and costs ~tens of ms). Flagged photos are held for review.
 */
export async function moderatePhoto(moderator: ImageModerator | null, thumbnailJpeg: Buffer): Promise<ModerationVerdict> {
  if (!moderator) return NOT_HELD;
  const result = await moderator.classify(thumbnailJpeg);
  if (!result.flagged) return NOT_HELD;
  return { held: true, detail: `Held for review: the content check classified this photo as “${result.label}”. Only you can see it.` };
}
