import sharp from 'sharp';

/** mulberry32: a tiny seeded PRNG, so every run uploads the same bytes. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PhotoLikeOptions {
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  /** Per-pixel noise amplitude (0-255): sensor-like grain that JPEG cannot compress away. */
  readonly grain: number;
  readonly quality: number;
}

/**
 * A JPEG that costs what a camera photo costs: smooth colour regions (an upscaled random image)
 * plus grain, so its size and decode/encode work are realistic rather than a flat colour's.
 * 3000 × 2000 with grain 16 at quality 85 is a 6-megapixel file of about 1.5 MB.
 */
export async function photoLikeJpeg(options: PhotoLikeOptions): Promise<Buffer> {
  const random = seededRandom(options.seed);
  const smallWidth = Math.max(2, Math.round(options.width / 25));
  const smallHeight = Math.max(2, Math.round(options.height / 25));
  const small = Buffer.alloc(smallWidth * smallHeight * 3);
  for (let i = 0; i < small.length; i++) small[i] = Math.floor(random() * 256);
  const pixels = await sharp(small, { raw: { width: smallWidth, height: smallHeight, channels: 3 } })
    .resize(options.width, options.height, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  for (let i = 0; i < pixels.length; i++) {
    const value = (pixels[i] ?? 0) + Math.floor((random() - 0.5) * options.grain * 2);
    pixels[i] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
  return sharp(pixels, { raw: { width: options.width, height: options.height, channels: 3 } }).jpeg({ quality: options.quality }).toBuffer();
}
