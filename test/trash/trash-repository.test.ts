import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlbumRepository } from '../../src/albums/album-repository.js';
import type { Db } from '../../src/db/database.js';
import type { PhotoStatus } from '../../src/db/schema.js';
import { createPhotoRepository } from '../../src/photos/photo-repository.js';
import { createQuotaRepository } from '../../src/quotas/quota-repository.js';
import { createShareRepository } from '../../src/shares/share-repository.js';
import { createTrashRepository, type TrashRepository } from '../../src/trash/trash-repository.js';
import { DIALECTS, insertUser, openMigratedDatabase } from '../support/databases.js';

const newId = () => randomBytes(16).toString('hex');

describe.each(DIALECTS)('the Trash and quota repositories (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let trash: TrashRepository;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    ({ db, close } = await openMigratedDatabase(dialect));
    trash = createTrashRepository(db);
    alice = await insertUser(db, 'alice');
    bob = await insertUser(db, 'bob');
  });
  afterAll(() => close());

  async function addPhoto(ownerId: string, options: { status?: PhotoStatus; bytes?: number } = {}): Promise<string> {
    const id = newId();
    await db.insertInto('photos').values({ id, owner_id: ownerId, status: options.status ?? 'ready', title: '', created_at: Date.now(), bytes: options.bytes ?? 0 }).execute();
    return id;
  }

  it('takes trashed photos out of the gallery and its count, and lists them newest trashed first', async () => {
    const photos = createPhotoRepository(db);
    const owner = await insertUser(db, 'gallery');
    const [a, b, c] = [await addPhoto(owner), await addPhoto(owner), await addPhoto(owner)];
    expect(await trash.trash(owner, [a], 1000)).toEqual({ ok: true, trashed: 1 });
    expect(await trash.trash(owner, [c], 2000)).toEqual({ ok: true, trashed: 1 });
    expect((await photos.listTilesForOwner(owner, 10, 0)).map((p) => p.id)).toEqual([b]);
    expect((await photos.listForOwner(owner, 10, 0)).map((p) => p.id)).toEqual([b]);
    expect(await photos.countForOwner(owner)).toBe(1);
    expect((await trash.listForOwner(owner, 10, 0)).map((p) => [p.id, Number(p.trashed_at)])).toEqual([
      [c, 2000],
      [a, 1000],
    ]);
    expect(await trash.countForOwner(owner)).toBe(2);
    // The owner's own look-up still finds it, and says it is trashed (media in the Trash page).
    expect(Number((await photos.findOwned(owner, a))?.trashed_at)).toBe(1000);
  });

  it('trashes all of the photos or none: another user’s, an unknown or an already trashed id moves nothing', async () => {
    const mine = await addPhoto(alice);
    const other = await addPhoto(alice);
    const theirs = await addPhoto(bob);
    expect(await trash.trash(alice, [mine, theirs], 5)).toEqual({ ok: false });
    expect(await trash.trash(alice, [mine, newId()], 5)).toEqual({ ok: false });
    expect((await trash.listForOwner(alice, 100, 0)).map((p) => p.id)).not.toContain(mine);
    expect(await trash.trash(alice, [mine, other], 5)).toEqual({ ok: true, trashed: 2 });
    expect(await trash.trash(alice, [mine], 6)).toEqual({ ok: false });
    expect(await trash.trash(bob, [theirs], 6)).toEqual({ ok: true, trashed: 1 });
    expect((await trash.listForOwner(bob, 100, 0)).map((p) => p.id)).toEqual([theirs]);
  });

  it('restores only the owner’s trashed photos', async () => {
    const photo = await addPhoto(alice);
    expect(await trash.restore(alice, photo)).toBe(false);
    await trash.trash(alice, [photo], 10);
    expect(await trash.restore(bob, photo)).toBe(false);
    expect(await trash.restore(alice, photo)).toBe(true);
    expect(await trash.restore(alice, photo)).toBe(false);
    expect((await createPhotoRepository(db).findOwned(alice, photo))?.trashed_at).toBeNull();
  });

  it('purges only photos trashed at or before the cutoff, and never one restored meanwhile', async () => {
    const owner = await insertUser(db, 'purge');
    const [old, recent, restored, kept] = [await addPhoto(owner), await addPhoto(owner), await addPhoto(owner), await addPhoto(owner)];
    await trash.trash(owner, [old, restored], 100);
    await trash.trash(owner, [recent], 500);
    const expired = await trash.listTrashedBefore(200, 100);
    expect(expired.filter((e) => e.owner_id === owner).map((e) => e.id).sort()).toEqual([old, restored].sort());
    await trash.restore(owner, restored);
    expect(await trash.deleteIfTrashed(owner, restored, 200)).toBe(false);
    expect(await trash.deleteIfTrashed(owner, recent, 200)).toBe(false);
    expect(await trash.deleteIfTrashed(bob, old, 200)).toBe(false);
    expect(await trash.deleteIfTrashed(owner, old, 200)).toBe(true);
    expect(await trash.deleteIfTrashed(owner, old, 200)).toBe(false);
    expect(await trash.deleteIfTrashed(owner, kept, Number.MAX_SAFE_INTEGER)).toBe(false);
    const left = await db.selectFrom('photos').select('id').where('owner_id', '=', owner).execute();
    expect(left.map((r) => r.id).sort()).toEqual([recent, restored, kept].sort());
  });

  it('hides trashed photos from albums (count, cover, pages) and from their share links until restored', async () => {
    const albums = createAlbumRepository(db);
    const shares = createShareRepository(db);
    const [first, second] = [await addPhoto(alice), await addPhoto(alice)];
    const albumId = newId();
    await albums.insert({ id: albumId, owner_id: alice, name: 'Trip', cover_photo_id: null, created_at: 1, updated_at: 1 }, [first, second]);
    await albums.setCover(alice, albumId, first, 2);
    const tokenHash = newId();
    await shares.insert({ id: newId(), photo_id: first, album_id: null, owner_id: alice, token_hash: tokenHash, password_hash: '', expires_at: Date.now() + 60_000, revoked_at: 0, created_at: 1, views: 0 });
    expect((await shares.findByTokenHash(tokenHash))?.kind).toBe('photo');

    await trash.trash(alice, [first], 3);
    expect(await albums.findOwned(alice, albumId)).toMatchObject({ photo_count: 1, cover_id: second });
    expect((await albums.listReadyPhotos(albumId, 10, 0)).map((p) => p.id)).toEqual([second]);
    expect(await albums.findReadyPhoto(albumId, first)).toBeUndefined();
    expect(await shares.findByTokenHash(tokenHash)).toBeUndefined();
    // A trashed photo cannot be added to an album either.
    const other = newId();
    expect(await albums.insert({ id: other, owner_id: alice, name: 'No', cover_photo_id: null, created_at: 1, updated_at: 1 }, [first])).toEqual({ ok: false, reason: 'photo_not_found' });

    await trash.restore(alice, first);
    expect(await albums.findOwned(alice, albumId)).toMatchObject({ photo_count: 2, cover_id: first });
    expect((await shares.findByTokenHash(tokenHash))?.kind).toBe('photo');
  });

  it('sums a user’s storage with trashed photos, without refused ones, and keeps each quota', async () => {
    const quotas = createQuotaRepository(db);
    const owner = await insertUser(db, 'quota');
    expect(await quotas.usageOf(owner)).toBe(0);
    expect(await quotas.quotaOf(owner)).toBeNull();
    expect(await quotas.quotaOf(newId())).toBeUndefined();
    const kept = await addPhoto(owner, { bytes: 3000 });
    const trashed = await addPhoto(owner, { bytes: 2000 });
    await addPhoto(owner, { bytes: 700, status: 'rejected' });
    await addPhoto(owner, { bytes: 900, status: 'failed' });
    await addPhoto(bob, { bytes: 5000 });
    await trash.trash(owner, [trashed], 1);
    expect(await quotas.usageOf(owner)).toBe(5000);
    expect(kept).toBeTruthy();
    expect(await quotas.setQuota(owner, 10 * 1024 * 1024 * 1024)).toBe(true);
    expect(await quotas.quotaOf(owner)).toBe(10 * 1024 * 1024 * 1024);
    expect(await quotas.setQuota(owner, null)).toBe(true);
    expect(await quotas.quotaOf(owner)).toBeNull();
    expect(await quotas.setQuota(newId(), 5)).toBe(false);
  });
});
