import { rgbaToThumbHash } from 'thumbhash';
import { imageWork } from './image-work.js';
import { pipelineFrom, type RawImage } from './raw-image.js';

// ThumbHash encodes images of at most 100 × 100 pixels.
const THUMBHASH_MAX_SIZE = 100;

/** A base64 ThumbHash placeholder (about 25 bytes) for showing while the thumbnail loads. */
export async function createThumbhash(image: RawImage): Promise<string> {
  const pipeline = pipelineFrom(image)
    .resize(THUMBHASH_MAX_SIZE, THUMBHASH_MAX_SIZE, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw();
  const { data, info } = await imageWork(() => pipeline.toBuffer({ resolveWithObject: true }));
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}
