import { loadNsfwModel, NSFW_INPUT_SIZE } from './load-nsfw-model.js';

/** Probability per class, in the model's class order. */
export type ClassScores = Readonly<Record<string, number>>;

// nsfwjs's class order (its NSFW_CLASSES), which the model's five outputs follow.
const CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;

/**
 * At most this many images go through the model at once. Measured on the folded model here (CPU per
 * image, 2 shared cores at load ~9): batch 1 37 ms, 4 35 ms (tfjs-layers before folding: 78 and
 * 73). tfjs-wasm grows its WebAssembly memory to the largest batch's activations and never gives it
 * back while the thread lives: 40 MB once loaded, 48 MB after batches of 1 or 2, 59 MB after a batch
 * of 4 (measured on Node 24). With the job concurrency at the core count batches rarely pass 2
 * anyway; the cap keeps a burst with more photos waiting from costing those 11 MB for the thread's life.
 */
export const MAX_BATCH = 2;

interface Waiting {
  readonly pixels: Uint8Array;
  readonly resolve: (scores: ClassScores) => void;
  readonly reject: (error: unknown) => void;
}

const waiting: Waiting[] = [];
let running = false;

/**
 * Scores one 224 × 224 RGB image. Images that arrive while the model is busy wait and then go through
 * it together, up to MAX_BATCH at a time: one pass per batch instead of one per image.
 */
export async function scoreImage(pixels: Uint8Array): Promise<ClassScores> {
  const [scores] = await scoreImages([pixels]);
  return scores ?? {};
}

/**
 * Scores several 224 × 224 RGB images queued together, so that they go through the model in the same
 * batch (split at MAX_BATCH); scores in the images' order.
 */
export function scoreImages(images: readonly Uint8Array[]): Promise<ClassScores[]> {
  if (images.some((pixels) => pixels.length !== NSFW_INPUT_SIZE * NSFW_INPUT_SIZE * 3)) return Promise.reject(new RangeError('expected 224 × 224 RGB pixels'));
  const scored = images.map((pixels) => new Promise<ClassScores>((resolve, reject) => waiting.push({ pixels, resolve, reject })));
  if (!running) void runBatches();
  return Promise.all(scored);
}

async function runBatches(): Promise<void> {
  running = true;
  try {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, MAX_BATCH);
      try {
        const scores = await scoreBatch(batch.map((entry) => entry.pixels));
        batch.forEach((entry, index) => entry.resolve(scores[index] ?? {}));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  } finally {
    running = false;
  }
}

async function scoreBatch(images: readonly Uint8Array[]): Promise<ClassScores[]> {
  const { tf, model } = await loadNsfwModel();
  const size = NSFW_INPUT_SIZE * NSFW_INPUT_SIZE * 3;
  // The model's input is pixels / 255 (as nsfwjs's infer() feeds it), made here in one pass.
  const input = new Float32Array(images.length * size);
  images.forEach((image, index) => {
    const offset = index * size;
    for (let i = 0; i < size; i++) input[offset + i] = (image[i] ?? 0) / 255;
  });
  const output = tf.tidy(() => model.predict(tf.tensor4d(input, [images.length, NSFW_INPUT_SIZE, NSFW_INPUT_SIZE, 3])));
  try {
    const values = await output.data();
    return images.map((_, index) => Object.fromEntries(CLASSES.map((name, c) => [name, values[index * CLASSES.length + c] ?? 0])));
  } finally {
    output.dispose();
  }
}
