import sharp from 'sharp';
import { restrictImageDecoders } from '../images/restrict-decoders.js';
import { loadNsfwModel, NSFW_INPUT_SIZE } from './load-nsfw-model.js';
import { scoreImages, type ClassScores } from './model-batch.js';
import type { ImageModerator, ModerationResult } from './moderator.js';

export interface NsfwModeratorOptions {
  /** Flag when the explicit score reaches this probability (default 0.7). */
  threshold?: number;
  /** Count "Sexy" (suggestive, not explicit) towards the explicit score (default false). */
  includeSexy?: boolean;
  /** Largest input accepted, in pixels (default 16 MP); meant for thumbnails, not originals. */
  maxInputPixels?: number;
}

const EXPLICIT_CLASSES = ['Porn', 'Hentai'];

/** nsfwjs MobileNetV2 on tfjs-wasm; the model loads once per process, on first use or on load(). */
export class NsfwModerator implements ImageModerator {
  private readonly threshold: number;
  private readonly explicitClasses: readonly string[];
  private readonly maxInputPixels: number;

  constructor(options: NsfwModeratorOptions = {}) {
    this.threshold = options.threshold ?? 0.7;
    if (!(this.threshold > 0 && this.threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
    this.explicitClasses = options.includeSexy ? [...EXPLICIT_CLASSES, 'Sexy'] : EXPLICIT_CLASSES;
    this.maxInputPixels = options.maxInputPixels ?? 16_000_000;
  }

  /** Loads the model now (e.g. at start-up) instead of on the first classification. */
  async load(): Promise<void> {
    await loadNsfwModel();
  }

  async classify(image: Buffer): Promise<ModerationResult> {
    const [result] = await this.classifyAll([image]);
    if (!result) throw new Error('the model returned no result');
    return result;
  }

  async classifyAll(images: readonly Buffer[]): Promise<ModerationResult[]> {
    const inputs = await Promise.all(images.map((image) => toModelInput(image, this.maxInputPixels)));
    return (await scoreImages(inputs)).map((scores) => this.judge(scores));
  }

  private judge(scores: ClassScores): ModerationResult {
    const explicit = this.explicitClasses.reduce((sum, name) => sum + (scores[name] ?? 0), 0);
    const label = Object.entries(scores).reduce<[string, number]>((best, entry) => (entry[1] > best[1] ? entry : best), ['unknown', -1])[0];
    return { flagged: explicit >= this.threshold, scores: { ...scores }, label };
  }
}

// The model sees a 224 × 224 RGB square, as nsfwjs resizes (stretching, not cropping, so no
// region of the picture escapes classification).
async function toModelInput(image: Buffer, maxInputPixels: number): Promise<Uint8Array> {
  restrictImageDecoders();
  const { data, info } = await sharp(image, { limitInputPixels: maxInputPixels, failOn: 'error', autoOrient: true })
    .flatten({ background: '#ffffff' })
    .resize(NSFW_INPUT_SIZE, NSFW_INPUT_SIZE, { fit: 'fill' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels for classification, got ${info.channels}`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
