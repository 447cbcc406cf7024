import { failpoint } from '../../faults/failpoints.js';
import type { MediaStorage } from '../../media/storage/storage.js';
import type { TransformedImage } from '../../media/images/transform.js';
import { mediaKey, STORED_VARIANTS, type MediaVariant } from '../media-variants.js';

/**
 * Writes every file of a processed photo. Each put is atomic (temporary name, fsync, rename), and
 * the caller flips the database row only after this resolves, so no reader ever sees a half photo.
 * The three puts run at once: each is mostly waiting on its two fsyncs (file, then directory),
 * which one after another kept the job waiting ~15 ms per photo with its core idle. All of them
 * are settled before this returns or throws, so no write of this attempt outlives it.
 */
export async function storePhoto(storage: MediaStorage, photoId: string, image: TransformedImage): Promise<void> {
  const files: [MediaVariant, Buffer][] = [
    ['original', image.original.data],
    ['display.jpg', image.display.data],
    ['thumb.jpg', image.thumbnail.data],
  ];
  const puts = await Promise.allSettled(
    files.map(async ([variant, data]) => {
      await storage.put(mediaKey(photoId, variant), data);
      await failpoint('photo.store.partial');
    }),
  );
  const failed = puts.find((put): put is PromiseRejectedResult => put.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Removes every file of a photo, including retired variants stored before; missing files are fine. */
export async function deletePhotoFiles(storage: MediaStorage, photoId: string): Promise<void> {
  for (const variant of STORED_VARIANTS) await storage.delete(mediaKey(photoId, variant));
}
