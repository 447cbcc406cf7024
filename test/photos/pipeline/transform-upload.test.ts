import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhotoRejectedError } from '../../../src/photos/pipeline/rejection.js';
import { transformUpload } from '../../../src/photos/pipeline/transform-upload.js';
import { BARE_SVG, makeImage, makePngDeclaring, makeTempDir, makeTruncatedJpeg, writeFixture } from '../../support/images.js';

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await makeTempDir());
});
afterAll(async () => remove());

describe('transformUpload', () => {
  it('returns the transformed image', async () => {
    const file = await writeFixture(dir, 'ok.png', await makeImage('png'));
    expect((await transformUpload(file, { maxPixels: 1_000_000 })).original.format).toBe('png');
  });

  it.each([
    ['truncated.jpg', makeTruncatedJpeg, 'corrupt'],
    ['bomb.png', async () => makePngDeclaring(20_000, 20_000), 'too_many_pixels'],
    ['image.svg', async () => Buffer.from(BARE_SVG), 'unsupported_type'],
  ] as const)('turns a decode failure of %s into a %s rejection', async (name, make, reason) => {
    const file = await writeFixture(dir, name, await make());
    const error = await transformUpload(file, { maxPixels: 40_000_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PhotoRejectedError);
    expect(error).toMatchObject({ reason });
  });
});
