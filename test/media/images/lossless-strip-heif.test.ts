import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { stripHeif } from '../../../src/media/images/lossless/strip-heif.js';
import { makeHeicBrandedImage, PAYLOAD_MARKER } from '../../support/images.js';
import { expectCorrupt, expectNoMetadata, fuzzStructure, pixels } from '../../support/lossless-assertions.js';
import { isoBox, makeAvifWithMetadata } from '../../support/lossless-fixtures.js';

/** Where a top-level box starts, by its type. */
function boxAt(file: Buffer, type: string): number {
  for (let position = 0; position + 8 <= file.length; position += file.readUInt32BE(position)) {
    if (file.toString('latin1', position + 4, position + 8) === type) return position;
  }
  throw new Error(`no ${type} box`);
}

describe('stripHeif', () => {
  it.each([false, true])('erases the Exif (GPS, camera) and XMP items in place (alpha: %s); keeps the colour profile, the rotation and the coded image byte for byte', async (alpha) => {
    const upload = await makeAvifWithMetadata(alpha);
    expect(upload.includes(PAYLOAD_MARKER)).toBe(true);
    expect((await sharp(upload).metadata()).exif).toBeDefined();
    const stripped = stripHeif(upload);
    await expectNoMetadata(stripped);
    for (const gone of ['Exif', 'application/rdf+xml', 'GPS']) expect(stripped.includes(gone), gone).toBe(false);
    // Offsets are untouched: same length, same ftyp and coded data position.
    expect(stripped.length).toBe(upload.length);
    const metadata = await sharp(stripped).metadata();
    expect(metadata).toMatchObject({ format: 'heif', compression: 'av1', hasAlpha: alpha, autoOrient: { width: 30, height: 60 } });
    expect(metadata.exif).toBeUndefined();
    expect(metadata.icc).toEqual((await sharp(upload).metadata()).icc);
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('zeroes bytes hidden in mdat outside every image item, and the payload of unknown top-level boxes', async () => {
    const upload = await makeAvifWithMetadata();
    const mdat = boxAt(upload, 'mdat');
    // The marker appended inside mdat (its size grown to hold it) and in a uuid box after it.
    const grown = Buffer.concat([upload.subarray(mdat), Buffer.from(PAYLOAD_MARKER)]);
    grown.writeUInt32BE(upload.length - mdat + PAYLOAD_MARKER.length, 0);
    const hostile = Buffer.concat([upload.subarray(0, mdat), grown, isoBox('uuid', Buffer.from(`${'0'.repeat(16)}${PAYLOAD_MARKER}`))]);
    const stripped = stripHeif(hostile);
    expect(stripped.includes(PAYLOAD_MARKER)).toBe(false);
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('keeps a HEIC-branded file decodable', async () => {
    const upload = await makeHeicBrandedImage();
    expect(await pixels(stripHeif(upload))).toEqual(await pixels(upload));
  });

  describe('refuses malformed structure as corrupt', () => {
    it('no ftyp first', () => expectCorrupt(() => stripHeif(isoBox('meta', Buffer.alloc(4)))));
    it('truncated', async () => {
      const upload = await makeAvifWithMetadata();
      expectCorrupt(() => stripHeif(upload.subarray(0, upload.length - 10)));
    });
    it('a polyglot trailer after the last box', async () => {
      const upload = await makeAvifWithMetadata();
      expectCorrupt(() => stripHeif(Buffer.concat([upload, Buffer.from(`<?php system($_GET['c']); ?>${PAYLOAD_MARKER}`)])));
    });
    it('a huge declared box size (64-bit)', async () => {
      const upload = await makeAvifWithMetadata();
      const huge = Buffer.alloc(16);
      huge.writeUInt32BE(1, 0);
      huge.write('free', 4, 'latin1');
      huge.writeBigUInt64BE(0xffffffffffffn, 8);
      expectCorrupt(() => stripHeif(Buffer.concat([upload, huge])));
    });
    it('two meta boxes', async () => {
      const upload = await makeAvifWithMetadata();
      const meta = boxAt(upload, 'meta');
      const metaBox = upload.subarray(meta, meta + upload.readUInt32BE(meta));
      expectCorrupt(() => stripHeif(Buffer.concat([upload, metaBox])));
    });
    it('an item extent past mdat', async () => {
      const upload = Buffer.from(await makeAvifWithMetadata());
      const iloc = upload.indexOf('iloc');
      // The first extent's offset (sharp writes version 0 with 4-byte base offsets, offsets and lengths).
      upload.writeUInt32BE(0x00ffffff, iloc + 4 + 18);
      expectCorrupt(() => stripHeif(upload));
    });
    it('a huge number of boxes', async () => {
      const upload = await makeAvifWithMetadata();
      const free = isoBox('free', Buffer.alloc(0));
      expectCorrupt(() => stripHeif(Buffer.concat([upload, ...Array.from({ length: 5000 }, () => free)])));
    });
  });

  it('never throws anything but ImageDecodeError on cut or corrupted files', async () => {
    fuzzStructure(await makeAvifWithMetadata(), (mutated) => expect(stripHeif(mutated).length).toBe(mutated.length));
  });
});
