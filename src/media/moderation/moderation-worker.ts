/**
 * The moderation model's thread (see worker-moderator.ts): it classifies the images it is sent with
 * NsfwModerator and answers each with the result or an error message.
 */
import { lowerThisThreadPriority } from '../../threads/background-priority.js';
import { answerThreadRequests } from '../../threads/on-demand-thread.js';
import { NsfwModerator, type NsfwModeratorOptions } from './nsfw-moderator.js';
import type { ModerationResult } from './moderator.js';

export interface ClassifyRequest {
  /** One image, or an animation's frames classified together. */
  readonly images: readonly Uint8Array[];
  readonly options: NsfwModeratorOptions;
}

const moderators = new Map<string, NsfwModerator>();

function moderatorFor(options: NsfwModeratorOptions): NsfwModerator {
  const key = JSON.stringify([options.threshold, options.includeSexy, options.maxInputPixels]);
  let moderator = moderators.get(key);
  if (!moderator) {
    moderator = new NsfwModerator(options);
    moderators.set(key, moderator);
  }
  return moderator;
}

// Background work: an upload's answer or a page on the event loop goes first (background-priority.ts).
lowerThisThreadPriority();

answerThreadRequests<ClassifyRequest, ModerationResult[]>((request) =>
  moderatorFor(request.options).classifyAll(request.images.map((image) => Buffer.from(image.buffer, image.byteOffset, image.byteLength))),
);
