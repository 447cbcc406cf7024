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

/** A box with a 64-bit size (ISOBMFF 4.2: size 1, then `largesize`), declaring `size` bytes in all. */
function largeBox(type: string, payload: Buffer, size: bigint): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1, 0);
  header.write(type, 4, 'latin1');
  header.writeBigUInt64BE(size, 8);
  return Buffer.concat([header, payload]);
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

  it('zeroes free text: a user-description property (udes) and item names, keeping the image', async () => {
    const upload = Buffer.from(await makeAvifWithMetadata());
    // Turn the 16-byte pixi property into a udes holding text (same size: no offset moves).
    const pixi = upload.indexOf('pixi') - 4;
    upload.write('udes', pixi + 4, 'latin1');
    upload.write('Secret\0\0', pixi + 8, 'latin1');
    const av01 = upload.indexOf('av01');
    expect(upload[av01 + 4]).toBe(0); // the image item's empty name…
    const stripped = stripHeif(upload);
    expect(stripped.includes('Secret')).toBe(false);
    expect(stripped.subarray(pixi + 8, pixi + 16).every((byte) => byte === 0)).toBe(true);
    expect(stripped.toString('latin1', av01, av01 + 4)).toBe('av01'); // …and its type stay
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('reads a 64-bit box size (size field 1, then the size in 8 bytes): the box is accepted, its header kept, its payload zeroed', async () => {
    const upload = await makeAvifWithMetadata();
    const payload = Buffer.from(`${PAYLOAD_MARKER}${'x'.repeat(40)}`);
    const box = largeBox('free', payload, BigInt(16 + payload.length));
    const stripped = stripHeif(Buffer.concat([upload, box]));
    expect(stripped.length).toBe(upload.length + box.length);
    // Read as a 32-bit size of 1, the box would be refused; its payload taken to start after 8 bytes,
    // the 64-bit size itself would be zeroed.
    expect(stripped.subarray(upload.length, upload.length + 16)).toEqual(box.subarray(0, 16));
    expect(stripped.subarray(upload.length + 16).every((byte) => byte === 0)).toBe(true);
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
      expectCorrupt(() => stripHeif(Buffer.concat([upload, largeBox('free', Buffer.alloc(0), 0xffffffffffffn)])));
    });
    it('a 64-bit box size whose high word is set (a reader of the low word alone would take it)', async () => {
      const upload = await makeAvifWithMetadata();
      const payload = Buffer.from(PAYLOAD_MARKER);
      expectCorrupt(() => stripHeif(Buffer.concat([upload, largeBox('free', payload, (1n << 32n) + BigInt(16 + payload.length))])));
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
    // A file whose every extent must be matched against many data boxes (quadratic work before the caps).
    const extentFlood = (dataBoxes: number, items: number, extentsPerItem: number): Buffer => {
      const fullBox = (type: string, payload: Buffer) => isoBox(type, Buffer.concat([Buffer.alloc(4), payload]));
      const ftyp = isoBox('ftyp', Buffer.from('avif\0\0\0\0avifmif1', 'latin1'));
      const mdat = isoBox('mdat', Buffer.alloc(100, 7));
      const mdatBody = ftyp.length + 8;
      const itemLocations = Array.from({ length: items }, (_, id) => {
        const head = Buffer.alloc(6);
        head.writeUInt16BE(id + 1, 0); // item id; data reference index 0; no base offset
        head.writeUInt16BE(extentsPerItem, 4);
        const extents = Buffer.alloc(extentsPerItem * 2);
        for (let e = 0; e < extentsPerItem; e++) [extents[e * 2], extents[e * 2 + 1]] = [mdatBody + (e % 90), 1];
        return Buffer.concat([head, extents]);
      });
      const counts = Buffer.alloc(4);
      counts.writeUInt16BE(0x1100, 0); // 1-byte offsets and lengths, no base offset, no index
      counts.writeUInt16BE(items, 2);
      const meta = fullBox('meta', Buffer.concat([fullBox('hdlr', Buffer.alloc(21)), fullBox('iinf', Buffer.alloc(2)), fullBox('iloc', Buffer.concat([counts, ...itemLocations]))]));
      return Buffer.concat([ftyp, mdat, meta, ...Array.from({ length: dataBoxes - 1 }, () => isoBox('mdat', Buffer.alloc(0)))]);
    };
    it('more data boxes or item extents than any real file has', () => {
      expect(stripHeif(extentFlood(2, 2, 1000)).length).toBe(extentFlood(2, 2, 1000).length); // the shape itself is accepted
      expectCorrupt(() => stripHeif(extentFlood(4000, 1, 10)));
      expectCorrupt(() => stripHeif(extentFlood(2, 2, 40_000)));
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
