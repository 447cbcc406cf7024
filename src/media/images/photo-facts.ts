import exifReader from 'exif-reader';

/** What a photo's EXIF says about how and when it was taken, checked and bounded; null or '' when absent or implausible. */
export interface PhotoFacts {
  /**
   * When it was taken, as the camera's wall clock: epoch milliseconds whose UTC fields are the local
   * date and time (EXIF DateTimeOriginal). Sorting and month headings use this, so a photo taken on
   * 1 August shortly after midnight is an August photo wherever it was taken.
   */
  readonly takenAt: number | null;
  /** Minutes east of UTC from OffsetTimeOriginal; null when the camera did not record it. */
  readonly takenOffsetMinutes: number | null;
  readonly cameraMake: string;
  readonly cameraModel: string;
  readonly lensModel: string;
  /** Seconds. */
  readonly exposureTime: number | null;
  readonly fNumber: number | null;
  readonly iso: number | null;
  /** Millimetres. */
  readonly focalLength: number | null;
  /** Degrees; only when the owner chose to keep the location. */
  readonly latitude: number | null;
  readonly longitude: number | null;
}

export interface ReadPhotoFactsOptions {
  /** Keep GPS coordinates (the owner ticked "keep location" at upload); otherwise they are never read. */
  readonly keepLocation: boolean;
  /** Now, in epoch ms: dates more than a day after it are implausible. */
  readonly now: number;
}

export const NO_FACTS: PhotoFacts = Object.freeze({
  takenAt: null,
  takenOffsetMinutes: null,
  cameraMake: '',
  cameraModel: '',
  lensModel: '',
  exposureTime: null,
  fNumber: null,
  iso: null,
  focalLength: null,
  latitude: null,
  longitude: null,
});

/** Text fields are shown on pages and in the API: bounded like other owner-visible text. */
export const CAMERA_TEXT_MAX = 100;
// Photography began in the 1820s; anything earlier is a camera whose clock was never set.
const EARLIEST_TAKEN_AT = Date.UTC(1826, 0, 1);
const DAY_MS = 86_400_000;

type Exif = ReturnType<typeof exifReader>;

/**
 * Reads the facts from a raw EXIF block (sharp's `metadata().exif`), treating every value as hostile:
 * wrong types are ignored, text is stripped of control characters and capped, numbers must be finite
 * and in a physical range, dates in a sane range. A block that does not parse gives NO_FACTS.
 */
export function readPhotoFacts(exif: Buffer | undefined, options: ReadPhotoFactsOptions): PhotoFacts {
  if (!exif || exif.length === 0) return NO_FACTS;
  let tags: Exif;
  try {
    tags = exifReader(exif);
  } catch {
    return NO_FACTS;
  }
  const image = tags.Image ?? {};
  const photo = tags.Photo ?? {};
  const takenAt = plausibleDate(photo.DateTimeOriginal, exif, options.now);
  const location = options.keepLocation ? readLocation(tags.GPSInfo ?? {}) : null;
  return {
    takenAt,
    takenOffsetMinutes: takenAt === null ? null : parseOffset(photo.OffsetTimeOriginal),
    cameraMake: cleanText(image.Make),
    cameraModel: cleanText(image.Model),
    lensModel: cleanText(photo.LensModel),
    exposureTime: inRange(photo.ExposureTime, 1e-6, 3600),
    fNumber: inRange(photo.FNumber, 0.5, 128),
    iso: integerInRange(Array.isArray(photo.ISOSpeedRatings) ? photo.ISOSpeedRatings[0] : photo.ISOSpeedRatings, 1, 10_000_000),
    focalLength: inRange(photo.FocalLength, 0.1, 10_000),
    latitude: location?.latitude ?? null,
    longitude: location?.longitude ?? null,
  };
}

function cleanText(value: unknown): string {
  if (typeof value !== 'string') return '';
  return [...value.normalize('NFC').replace(/[\p{Cc}\p{Cf}]/gu, ' ').replace(/\s+/g, ' ').trim()].slice(0, CAMERA_TEXT_MAX).join('').trim();
}

function inRange(value: unknown, min: number, max: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : null;
}

function integerInRange(value: unknown, min: number, max: number): number | null {
  const number = inRange(value, min, max);
  return number !== null && Number.isInteger(number) ? number : null;
}

function plausibleDate(value: unknown, exif: Buffer, now: number): number | null {
  if (!(value instanceof Date)) return null;
  const ms = value.getTime();
  if (!(Number.isFinite(ms) && ms >= EARLIEST_TAKEN_AT && ms <= now + DAY_MS)) return null;
  // exif-reader builds the Date with Date.UTC, which rolls impossible fields over ("0000:00:00" is
  // 30 November 1899, month 13 is next January): the date counts only if the block spells it so.
  const spelt = new Date(ms).toISOString().slice(0, 19).replace(/-/g, ':').replace('T', ' ');
  return exif.includes(spelt, 0, 'latin1') ? ms : null;
}

/** EXIF 2.31 OffsetTime: "+HH:MM" or "-HH:MM"; real offsets lie between -12:00 and +14:00. */
function parseOffset(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  if (Number(match[3]) >= 60 || minutes > 14 * 60) return null;
  const signed = match[1] === '-' ? -minutes : minutes;
  return signed < -12 * 60 ? null : signed;
}

function readLocation(gps: NonNullable<Exif['GPSInfo']>): { latitude: number; longitude: number } | null {
  const latitude = degrees(gps.GPSLatitude, gps.GPSLatitudeRef, 'N', 'S', 90);
  const longitude = degrees(gps.GPSLongitude, gps.GPSLongitudeRef, 'E', 'W', 180);
  return latitude === null || longitude === null ? null : { latitude, longitude };
}

/** Degrees, minutes, seconds (three rationals) and a hemisphere letter to signed decimal degrees. */
function degrees(value: unknown, ref: unknown, positive: string, negative: string, limit: number): number | null {
  if (!Array.isArray(value) || value.length !== 3 || (ref !== positive && ref !== negative)) return null;
  const [d, m, s] = value as unknown[];
  const parts = [inRange(d, 0, limit), inRange(m, 0, 60), inRange(s, 0, 60)];
  if (parts.some((part) => part === null)) return null;
  const [deg = 0, min = 0, sec = 0] = parts as number[];
  const total = deg + min / 60 + sec / 3600;
  if (total > limit) return null;
  return Math.round((ref === negative ? -total : total) * 1e7) / 1e7;
}

/** "+02:00" for 120, "-07:00" for -420 (EXIF OffsetTime and RFC 3339 spell offsets alike); `minus` may be a typographic '−' for pages. */
export function formatUtcOffset(minutes: number, minus = '-'): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? minus : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
