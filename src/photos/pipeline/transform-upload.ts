import { ImageDecodeError } from '../../media/images/image-decode-error.js';
import { transformImage, type TransformedImage, type TransformOptions } from '../../media/images/transform.js';
import { PhotoRejectedError, type RejectionReason } from './rejection.js';

const REASONS: Readonly<Record<ImageDecodeError['kind'], RejectionReason>> = {
  corrupt: 'corrupt',
  too_many_pixels: 'too_many_pixels',
  unsupported: 'unsupported_type',
};

/** transformImage for an upload: decode failures become rejections the user can read. */
export async function transformUpload(filePath: string, options: TransformOptions): Promise<TransformedImage> {
  try {
    return await transformImage(filePath, options);
  } catch (error) {
    if (error instanceof ImageDecodeError) {
      throw new PhotoRejectedError(REASONS[error.kind], { logDetail: error.message, cause: error });
    }
    throw error;
  }
}
