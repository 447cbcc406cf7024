import { Type } from 'typebox';
import { Timestamp, toTimestamp } from '../../api/index.js';
import type { AlbumSummaryRow } from '../album-repository.js';
import { photoIdList } from '../../photos/api/photo-schemas.js';
import { ALBUM_NAME_MAX } from '../album-rules.js';

const RANDOM_ID = '^[0-9a-f]{32}$';

export const AlbumIdParams = Type.Object(
  { id: Type.String({ pattern: RANDOM_ID, description: 'The album id (128 random bits, hex).' }) },
  { additionalProperties: false },
);

export const AlbumPhotoParams = Type.Object(
  { id: Type.String({ pattern: RANDOM_ID, description: 'The album id.' }), photoId: Type.String({ pattern: RANDOM_ID, description: 'The photo id.' }) },
  { additionalProperties: false },
);

const AlbumName = Type.String({ minLength: 1, maxLength: ALBUM_NAME_MAX, description: `Plain text on one line, at most ${ALBUM_NAME_MAX} characters.` });

export const PhotoIds = photoIdList('nothing is added');

export const AlbumSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    photo_count: Type.Integer({ minimum: 0, description: 'How many of its photos are ready (the ones an album shows).' }),
    cover_photo_id: Type.Union([Type.String(), Type.Null()], { description: 'The photo shown as the cover: the chosen one, else the first; null without photos.' }),
    cover_chosen: Type.Boolean({ description: 'Whether you chose the cover (PATCH cover_photo_id); otherwise it is the first photo.' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false, title: 'Album' },
);

export const CreateAlbumBody = Type.Object({ name: AlbumName, photo_ids: Type.Optional(PhotoIds) }, { additionalProperties: false });

export const AlbumPatch = Type.Object(
  {
    name: Type.Optional(AlbumName),
    cover_photo_id: Type.Optional(Type.Union([Type.String({ pattern: RANDOM_ID }), Type.Null()], { description: 'One of the album’s photos, or null for the first photo.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AddPhotosBody = Type.Object({ photo_ids: PhotoIds }, { additionalProperties: false });

export function toAlbumJson(album: AlbumSummaryRow) {
  return {
    id: album.id,
    name: album.name,
    photo_count: album.photo_count,
    cover_photo_id: album.cover_id,
    cover_chosen: album.cover_photo_id !== null,
    created_at: toTimestamp(album.created_at),
    updated_at: toTimestamp(album.updated_at),
  };
}
