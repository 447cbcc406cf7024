import { Type } from 'typebox';
import { PageQuery, Timestamp, toTimestamp } from '../../api/index.js';
import { SEARCH_QUERY_MAX } from '../search/photo-search.js';
import { CAMERA_TEXT_MAX, formatUtcOffset } from '../../media/images/photo-facts.js';
import { MEDIA_VARIANTS, STORED_VARIANTS } from '../media-variants.js';
import { MAX_PHOTOS_PER_REQUEST } from '../photo-id.js';
import type { PhotoRecord } from '../photo-repository.js';
import { PENDING_STATUSES } from '../photo-service.js';

const TAKEN_AT_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}([+-]\\d{2}:\\d{2})?$';

/** A request body's list of the caller's photo ids, all or nothing; `unchanged` says what a 404 leaves as it was. */
export function photoIdList(unchanged: string) {
  return Type.Array(Type.String({ pattern: '^[0-9a-f]{32}$' }), {
    minItems: 1,
    maxItems: MAX_PHOTOS_PER_REQUEST,
    description: `Ids of your photos, at most ${MAX_PHOTOS_PER_REQUEST}. Any id that is not one of your photos makes the whole request a 404 (${unchanged}).`,
  });
}

export const PHOTO_STATUSES = ['queued', 'scanning', 'processing', 'pending_scan', 'ready', 'held', 'rejected', 'failed', 'removed'] as const;

export const PhotoIdParams = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'The photo id (128 random bits, hex).' }) },
  { additionalProperties: false },
);

export const MediaParams = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
    variant: Type.Union(STORED_VARIANTS.map((v) => Type.Literal(v)), { description: 'Which stored file (display.webp and thumb.webp are retired names that redirect to the JPEG).' }),
  },
  { additionalProperties: false },
);

const DAY_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

/** listPhotos' query: a page, optionally of a search (words and a range of dates taken). */
export const PhotoListQuery = Type.Object(
  {
    ...PageQuery.properties,
    q: Type.Optional(
      Type.String({
        maxLength: SEARCH_QUERY_MAX,
        description: 'Words to find in the title, caption, alt text or original file name: all of them must be found, the last one also as the start of a word. Letters and digits only count; no query syntax.',
      }),
    ),
    from: Type.Optional(Type.String({ pattern: DAY_PATTERN, description: 'Only photos taken (else uploaded) on or after this day, YYYY-MM-DD.' })),
    to: Type.Optional(Type.String({ pattern: DAY_PATTERN, description: 'Only photos taken (else uploaded) on or before this day, YYYY-MM-DD.' })),
  },
  { additionalProperties: false },
);

const Status = Type.Union(PHOTO_STATUSES.map((s) => Type.Literal(s)));

export const PhotoStatusSchema = Type.Object(
  {
    id: Type.String(),
    status: Status,
    detail: Type.String({ description: 'Why the photo is held, rejected or failed ("" otherwise).' }),
    final: Type.Boolean({ description: 'Whether processing has ended.' }),
  },
  { additionalProperties: false, title: 'PhotoStatus' },
);

export const PhotoSchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    status: Status,
    status_detail: Type.String(),
    original_name: Type.String(),
    format: Type.String({ description: 'Format of the stored original ("" until processed).' }),
    width: Type.Integer({ minimum: 0 }),
    height: Type.Integer({ minimum: 0 }),
    bytes: Type.Integer({ minimum: 0 }),
    content_hash: Type.String(),
    placeholder: Type.String({ description: 'Base64 ThumbHash ("" until processed).' }),
    alt_text: Type.String(),
    caption: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    taken_at: Type.Union([Type.String({ pattern: TAKEN_AT_PATTERN }), Type.Null()], {
      description: 'When it was taken (EXIF DateTimeOriginal), as the camera’s local date and time, with its UTC offset when the camera recorded one (OffsetTimeOriginal): "2019-07-14T15:30:00+02:00" or "2019-07-14T15:30:00". Null when unknown; the timeline then uses created_at.',
    }),
    camera: Type.Object(
      {
        make: Type.String({ maxLength: CAMERA_TEXT_MAX }),
        model: Type.String({ maxLength: CAMERA_TEXT_MAX }),
        lens: Type.String({ maxLength: CAMERA_TEXT_MAX }),
        exposure_time: Type.Union([Type.Number({ exclusiveMinimum: 0, description: 'Seconds.' }), Type.Null()]),
        f_number: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]),
        iso: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
        focal_length: Type.Union([Type.Number({ exclusiveMinimum: 0, description: 'Millimetres.' }), Type.Null()]),
      },
      { additionalProperties: false, description: 'What the EXIF said, read before it was removed from the stored original ("" or null when unknown).' },
    ),
    location: Type.Union(
      [Type.Object({ latitude: Type.Number({ minimum: -90, maximum: 90 }), longitude: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false }), Type.Null()],
      { description: 'GPS position in degrees, only when the owner chose keep_location at upload; otherwise null (and never stored).' },
    ),
    media: Type.Object(
      Object.fromEntries(MEDIA_VARIANTS.map((v) => [v.replace('.', '_'), Type.String()])) as Record<string, ReturnType<typeof Type.String>>,
      { additionalProperties: false, description: 'Media URLs under this API (available when status is ready or held).' },
    ),
  },
  { additionalProperties: false, title: 'Photo' },
);

export const AcceptedUpload = Type.Object(
  {
    id: Type.String(),
    status: Status,
    status_url: Type.String(),
    photo_url: Type.String(),
  },
  { additionalProperties: false, title: 'AcceptedUpload' },
);

export const DuplicateUpload = Type.Object(
  {
    id: Type.String({ description: 'The photo you already have with these exact bytes.' }),
    status: Status,
    status_url: Type.String(),
    photo_url: Type.String(),
    duplicate: Type.Literal(true),
  },
  {
    additionalProperties: false,
    title: 'DuplicateUpload',
    description: 'The same bytes were uploaded before by you (RFC 9110 §9.3.3): nothing new is stored; Location names that photo.',
  },
);

export const UploadBody = Type.Object(
  {
    image: Type.String({ format: 'binary', description: 'The photo: JPEG, PNG, WebP, GIF or AVIF. Type is decided from the bytes.' }),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    keep_location: Type.Optional(
      Type.Union(['on', 'true', '1', 'off', 'false', '0'].map((v) => Type.Literal(v)), {
        description: 'Keep the GPS position as data (default off: it is never stored). It is removed from the stored file either way.',
      }),
    ),
  },
  { description: 'multipart/form-data. With a session cookie send X-CSRF-Token (or a `_csrf` field before the file).' },
);

export const PhotoPatch = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: 200 })),
    alt_text: Type.Optional(Type.String({ maxLength: 500 })),
    caption: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function toPhotoJson(photo: PhotoRecord) {
  const base = `/api/v1/photos/${photo.id}/media/`;
  return {
    id: photo.id,
    title: photo.title,
    status: photo.status,
    status_detail: photo.status_detail,
    original_name: photo.original_name,
    format: photo.format,
    width: photo.width,
    height: photo.height,
    bytes: photo.bytes,
    content_hash: photo.content_hash,
    placeholder: photo.placeholder,
    alt_text: photo.alt_text,
    caption: photo.caption,
    created_at: toTimestamp(photo.created_at),
    updated_at: toTimestamp(photo.updated_at || photo.created_at),
    taken_at: takenAtText(photo.taken_at, photo.taken_offset),
    camera: {
      make: photo.camera_make,
      model: photo.camera_model,
      lens: photo.lens_model,
      exposure_time: photo.exposure_time,
      f_number: photo.f_number,
      iso: photo.iso,
      focal_length: photo.focal_length,
    },
    location: photo.latitude !== null && photo.longitude !== null ? { latitude: photo.latitude, longitude: photo.longitude } : null,
    media: Object.fromEntries(MEDIA_VARIANTS.map((v) => [v.replace('.', '_'), `${base}${v}`])),
  };
}

/** The camera's local date and time (taken_at's UTC fields), plus its offset when known. */
function takenAtText(takenAt: number | null, offsetMinutes: number | null): string | null {
  if (takenAt === null) return null;
  const local = new Date(takenAt).toISOString().slice(0, 19);
  return offsetMinutes === null ? local : `${local}${formatUtcOffset(offsetMinutes)}`;
}

export function toStatusJson(photo: PhotoRecord) {
  return { id: photo.id, status: photo.status, detail: photo.status_detail, final: !PENDING_STATUSES.has(photo.status) };
}
