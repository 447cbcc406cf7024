import sharp, { type Exif } from 'sharp';
import { describe, expect, it } from 'vitest';
import { formatUtcOffset, NO_FACTS, readPhotoFacts } from '../../../src/media/images/photo-facts.js';
import { makeCameraJpeg } from '../../support/images.js';

const NOW = Date.UTC(2026, 11, 2);

async function exifOf(options: Exif): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).withExif(options).jpeg().toBuffer();
  return (await sharp(jpeg).metadata()).exif as Buffer;
}

describe('readPhotoFacts', () => {
  it('reads camera, lens, exposure and the date taken with its offset; the location only when asked', async () => {
    const exif = (await sharp(await makeCameraJpeg()).metadata()).exif;
    const facts = readPhotoFacts(exif, { keepLocation: false, now: NOW });
    expect(facts).toEqual({
      takenAt: Date.UTC(2019, 6, 14, 15, 30),
      takenOffsetMinutes: 120,
      cameraMake: 'Canon',
      cameraModel: 'Canon EOS R5',
      lensModel: 'RF24-70mm F2.8 L IS USM',
      exposureTime: 0.004,
      fNumber: 2.8,
      iso: 400,
      focalLength: 35,
      latitude: null,
      longitude: null,
    });
    const located = readPhotoFacts(exif, { keepLocation: true, now: NOW });
    expect(located.latitude).toBeCloseTo(51.50736, 5);
    expect(located.longitude).toBeCloseTo(-0.12768, 5);
  });

  it('gives nothing for a missing, empty or unparsable EXIF block', () => {
    expect(readPhotoFacts(undefined, { keepLocation: true, now: NOW })).toEqual(NO_FACTS);
    expect(readPhotoFacts(Buffer.alloc(0), { keepLocation: true, now: NOW })).toEqual(NO_FACTS);
    for (const junk of [Buffer.from('Exif\0\0XX'), Buffer.from('MM\0*\xff\xff\xff\xff', 'latin1'), Buffer.alloc(64, 0xff)]) {
      expect(readPhotoFacts(junk, { keepLocation: true, now: NOW })).toEqual(NO_FACTS);
    }
  });

  it.each([
    ['a camera whose clock was never set', '0000:00:00 00:00:00'],
    ['a date before photography', '1700:01:01 00:00:00'],
    ['a date in the future', '2099:01:01 00:00:00'],
    ['a malformed date', '14/07/2019 15:30'],
    ['an impossible month', '2019:13:01 10:00:00'],
    ['an impossible day', '2019:02:30 10:00:00'],
  ])('ignores %s', async (_name, date) => {
    const facts = readPhotoFacts(await exifOf({ IFD2: { DateTimeOriginal: date, OffsetTimeOriginal: '+02:00' } }), { keepLocation: false, now: NOW });
    expect(facts.takenAt).toBeNull();
    expect(facts.takenOffsetMinutes).toBeNull();
  });

  it.each(['+15:00', '-13:00', '+02:75', 'Z', '+0200', '<script>'])('ignores the offset %s', async (offset) => {
    const facts = readPhotoFacts(await exifOf({ IFD2: { DateTimeOriginal: '2019:07:14 15:30:00', OffsetTimeOriginal: offset } }), { keepLocation: false, now: NOW });
    expect(facts.takenAt).toBe(Date.UTC(2019, 6, 14, 15, 30));
    expect(facts.takenOffsetMinutes).toBeNull();
  });

  it('caps text, drops control characters, and ignores impossible numbers', async () => {
    const facts = readPhotoFacts(
      await exifOf({
        IFD0: { Make: `Evil\u0007\u0001Cam ${'x'.repeat(500)}`, Model: '   ' },
        IFD2: { ExposureTime: '1/0', FNumber: '0/1', ISOSpeedRatings: '0', FocalLength: '999999/1' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '91/1 0/1 0/1', GPSLongitudeRef: 'Q', GPSLongitude: '0/1 0/1 0/1' },
      }),
      { keepLocation: true, now: NOW },
    );
    expect(facts.cameraMake.startsWith('Evil Cam x')).toBe(true);
    expect([...facts.cameraMake].length).toBeLessThanOrEqual(100);
    expect(facts).toMatchObject({ cameraModel: '', exposureTime: null, fNumber: null, iso: null, focalLength: null, latitude: null, longitude: null });
  });

  it('formats UTC offsets', () => {
    expect(formatUtcOffset(120)).toBe('+02:00');
    expect(formatUtcOffset(-570)).toBe('-09:30');
    expect(formatUtcOffset(-300, '−')).toBe('−05:00');
    expect(formatUtcOffset(0)).toBe('+00:00');
  });
});
