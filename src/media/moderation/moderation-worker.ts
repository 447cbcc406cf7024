/**
 * The moderation model's thread (see worker-moderator.ts): it classifies the images it is sent with
 * NsfwModerator and answers each message with the result or an error message.
 */
import { parentPort } from 'node:worker_threads';
import { NsfwModerator, type NsfwModeratorOptions } from './nsfw-moderator.js';

export interface ClassifyRequest {
  readonly id: number;
  readonly image: Uint8Array;
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

parentPort?.on('message', (request: ClassifyRequest) => {
  const image = Buffer.from(request.image.buffer, request.image.byteOffset, request.image.byteLength);
  moderatorFor(request.options)
    .classify(image)
    .then(
      (result) => parentPort?.postMessage({ id: request.id, result }),
      (error: unknown) => parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    );
});
