import { Type } from 'typebox';
import { Timestamp, toTimestamp } from '../../api/index.js';
import { MEDIA_VARIANTS } from '../media-variants.js';
import type { PhotoRecord } from '../photo-repository.js';
import { PENDING_STATUSES } from '../photo-service.js';

export const PHOTO_STATUSES = ['queued', 'scanning', 'processing', 'pending_scan', 'ready', 'held', 'rejected', 'failed', 'removed'] as const;

export const PhotoIdParams = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'The photo id (128 random bits, hex).' }) },
  { additionalProperties: false },
);

export const MediaParams = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
    variant: Type.Union(MEDIA_VARIANTS.map((v) => Type.Literal(v)), { description: 'Which stored file.' }),
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
    media: Object.fromEntries(MEDIA_VARIANTS.map((v) => [v.replace('.', '_'), `${base}${v}`])),
  };
}

export function toStatusJson(photo: PhotoRecord) {
  return { id: photo.id, status: photo.status, detail: photo.status_detail, final: !PENDING_STATUSES.has(photo.status) };
}
