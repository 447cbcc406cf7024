import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Archiver } from 'archiver';
import { MediaNotFoundError, type MediaStorage } from '../../media/storage/storage.js';
import { mediaKey, originalExtension } from '../../photos/media-variants.js';
import type { ExportPhotoRow, ExportRepository } from './export-repository.js';

const PAGE = 200;
/** Photos whose original is stored (held ones too: they are the owner's data). */
const WITH_ORIGINAL = new Set(['ready', 'held']);

/** ISO 8601 of an epoch-ms column, or null when it is unset or out of Date's range. */
function iso(ms: number | string | null): string | null {
  const date = new Date(Number(ms ?? 0));
  return ms === null || Number(ms) === 0 || Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * The zip entry of a photo's original: `originals/<date>-<photo id>.<ext>`, made only of the date
 * (taken, else uploaded), our own random id and our own format name, never of text the user typed
 * (a title of `../../x` cannot name a path).
 */
export function originalEntryName(photo: Pick<ExportPhotoRow, 'id' | 'format' | 'taken_at' | 'created_at'>): string {
  const date = (iso(photo.taken_at) ?? iso(photo.created_at) ?? '0000-00-00').slice(0, 10);
  return `originals/${date}-${photo.id}.${originalExtension(photo.format)}`;
}

/** Writes `text` to `out`, waiting when its buffer is full (bounded memory). */
async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

function photoJson(photo: ExportPhotoRow) {
  return {
    id: photo.id,
    title: photo.title,
    caption: photo.caption,
    alt_text: photo.alt_text,
    original_name: photo.original_name,
    status: photo.status,
    // The camera's clock: local date and time, with its offset when it was recorded.
    taken_at: iso(photo.taken_at)?.slice(0, 19) ?? null,
    taken_offset_minutes: photo.taken_offset,
    created_at: iso(photo.created_at),
    file: WITH_ORIGINAL.has(photo.status) ? originalEntryName(photo) : null,
    format: photo.format,
    width: photo.width,
    height: photo.height,
    bytes: Number(photo.bytes),
    sha256: photo.content_hash,
    facts: {
      camera_make: photo.camera_make,
      camera_model: photo.camera_model,
      lens_model: photo.lens_model,
      exposure_time: photo.exposure_time,
      f_number: photo.f_number,
      iso: photo.iso,
      focal_length: photo.focal_length,
      latitude: photo.latitude,
      longitude: photo.longitude,
    },
  };
}

/** Writes the members of a JSON array, one line each, reading its rows page by page (ordered by id). */
async function writePages<Row extends { id: string }>(out: WriteStream, page: (afterId: string) => Promise<Row[]>, toJson: (row: Row) => Promise<unknown>): Promise<void> {
  let first = true;
  for (let after = ''; ; ) {
    const rows = await page(after);
    for (const row of rows) {
      await write(out, `${first ? '\n' : ',\n'}  ${JSON.stringify(await toJson(row))}`);
      first = false;
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** Writes photovault.json to `file`, page by page: memory does not grow with the library. */
export async function writeExportJson(repository: ExportRepository, userId: string, file: string, exportedAt: number): Promise<void> {
  const user = await repository.findUser(userId);
  if (!user) throw new Error('the account is gone');
  const out = createWriteStream(file, { mode: 0o600 });
  const closed = once(out, 'close');
  try {
    const head = { format: 'photovault-export', version: 1, exported_at: iso(exportedAt), user: { id: user.id, username: user.username, email: user.email, created_at: iso(user.created_at) } };
    await write(out, `${JSON.stringify(head, null, 1).slice(0, -2)},\n "photos": [`);
    await writePages(out, (after) => repository.photosPage(userId, after, PAGE), async (photo) => photoJson(photo));
    await write(out, '\n ],\n "albums": [');
    await writePages(
      out,
      (after) => repository.albumsPage(userId, after, PAGE),
      async (album) => ({ id: album.id, name: album.name, cover_photo_id: album.cover_photo_id, created_at: iso(album.created_at), photo_ids: await repository.albumPhotoIds(album.id) }),
    );
    await write(out, '\n ],\n "share_links": [');
    await writePages(
      out,
      (after) => repository.shareLinksPage(userId, after, PAGE),
      async (link) => ({
        id: link.id,
        photo_id: link.photo_id,
        album_id: link.album_id,
        created_at: iso(link.created_at),
        expires_at: iso(link.expires_at),
        revoked_at: iso(link.revoked_at),
        views: Number(link.views),
        password_protected: Number(link.has_password) === 1,
      }),
    );
    await write(out, '\n ]\n}\n');
  } finally {
    out.end();
    await closed;
  }
}

/** Appends one entry and waits until the archive has consumed it: one source open at a time. */
async function appendEntry(archive: Archiver, source: Readable, name: string, store: boolean): Promise<void> {
  const consumed = once(archive, 'entry');
  archive.append(source, { name, store });
  await consumed;
}

/**
 * Streams the export zip into `zipFile`: photovault.json, then each original as stored (already
 * compressed images are stored, not deflated). Only one original is open at a time and the
 * archive writes through to disk with backpressure, so memory stays flat however many photos.
 * Returns how many originals it holds.
 */
export async function writeExportZip(repository: ExportRepository, storage: MediaStorage, userId: string, jsonFile: string, zipFile: string): Promise<number> {
  // Loaded on first use: only processes that run export jobs pay for archiver (web instances never do).
  const { default: archiver } = await import('archiver');
  const archive = archiver('zip', { zlib: { level: 6 } });
  const written = pipeline(archive, createWriteStream(zipFile, { mode: 0o600 }));
  // An error of the archive also rejects `written`; keep it from going unhandled meanwhile.
  written.catch(() => undefined);
  let count = 0;
  try {
    await appendEntry(archive, createReadStream(jsonFile), 'photovault.json', false);
    for (let after = ''; ; ) {
      const photos = await repository.photosPage(userId, after, PAGE);
      for (const photo of photos) {
        if (!WITH_ORIGINAL.has(photo.status)) continue;
        let media;
        try {
          media = await storage.get(mediaKey(photo.id, 'original'));
        } catch (error) {
          // Deleted meanwhile: the export holds what exists.
          if (error instanceof MediaNotFoundError) continue;
          throw error;
        }
        await appendEntry(archive, media.stream, originalEntryName(photo), true);
        count++;
      }
      if (photos.length < PAGE) break;
      after = photos[photos.length - 1]!.id;
    }
    await archive.finalize();
  } catch (error) {
    archive.abort();
    await written.catch(() => undefined);
    throw error;
  }
  await written;
  return count;
}
