import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlbumRepository, type AlbumRepository } from '../../src/albums/album-repository.js';
import type { Db } from '../../src/db/database.js';
import type { PhotoStatus } from '../../src/db/schema.js';
import { DIALECTS, insertUser, openMigratedDatabase } from '../support/databases.js';

const newId = () => randomBytes(16).toString('hex');

describe.each(DIALECTS)('the album repository (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let albums: AlbumRepository;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    ({ db, close } = await openMigratedDatabase(dialect));
    albums = createAlbumRepository(db);
    alice = await insertUser(db, 'alice');
    bob = await insertUser(db, 'bob');
  });
  afterAll(() => close());

  async function addPhoto(ownerId: string, status: PhotoStatus = 'ready', title = ''): Promise<string> {
    const id = newId();
    await db.insertInto('photos').values({ id, owner_id: ownerId, status, title, created_at: Date.now() }).execute();
    return id;
  }

  async function newAlbum(ownerId: string, name = 'Trip', photoIds: string[] = []): Promise<string> {
    const id = newId();
    const outcome = await albums.insert({ id, owner_id: ownerId, name, cover_photo_id: null, created_at: Date.now(), updated_at: Date.now() }, photoIds);
    expect(outcome.ok).toBe(true);
    return id;
  }

  it('creates an album with photos in the order given, counting and showing only ready ones', async () => {
    const [a, b, held, c] = [await addPhoto(alice), await addPhoto(alice), await addPhoto(alice, 'held'), await addPhoto(alice)];
    const id = await newAlbum(alice, 'Summer', [b, a, held, c]);
    const found = await albums.findOwned(alice, id);
    expect(found).toMatchObject({ id, name: 'Summer', photo_count: 3, cover_id: b, cover_photo_id: null });
    expect((await albums.listReadyPhotos(id, 10, 0)).map((p) => p.id)).toEqual([b, a, c]);
    expect(await albums.findReadyPhoto(id, held)).toBeUndefined();
    expect((await albums.findReadyPhoto(id, a))?.id).toBe(a);
  });

  it("is the owner's only: another user finds, renames and deletes nothing", async () => {
    const id = await newAlbum(alice, 'Private');
    expect(await albums.findOwned(bob, id)).toBeUndefined();
    expect(await albums.rename(bob, id, 'Mine now', Date.now())).toBe(false);
    expect(await albums.deleteOwned(bob, id)).toBe(false);
    expect((await albums.addPhotos(bob, id, [await addPhoto(bob)], Date.now())).ok).toBe(false);
    expect(await albums.removePhotos(bob, id, [newId()], Date.now())).toBeUndefined();
    expect(await albums.setCover(bob, id, null, Date.now())).toBe('album_not_found');
    expect((await albums.findOwned(alice, id))?.name).toBe('Private');
    expect((await albums.listForOwner(bob, 100, 0)).map((a) => a.id)).not.toContain(id);
  });

  it("adds all of the photos or none: someone else's photo or an unknown id adds nothing", async () => {
    const id = await newAlbum(alice, 'Strict');
    const mine = await addPhoto(alice);
    const theirs = await addPhoto(bob);
    expect(await albums.addPhotos(alice, id, [mine, theirs], Date.now())).toEqual({ ok: false, reason: 'photo_not_found' });
    expect(await albums.addPhotos(alice, id, [mine, newId()], Date.now())).toEqual({ ok: false, reason: 'photo_not_found' });
    expect((await albums.findOwned(alice, id))?.photo_count).toBe(0);
    const refusedId = newId();
    expect(await albums.insert({ id: refusedId, owner_id: alice, name: 'Refused', cover_photo_id: null, created_at: 1, updated_at: 1 }, [mine, theirs])).toEqual({ ok: false, reason: 'photo_not_found' });
    expect(await albums.findOwned(alice, refusedId)).toBeUndefined();
    expect(await albums.addPhotos(alice, id, [mine], Date.now())).toEqual({ ok: true, added: 1 });
    expect(await albums.addPhotos(alice, id, [mine], Date.now())).toEqual({ ok: true, added: 0 });
    const later = await addPhoto(alice);
    await albums.addPhotos(alice, id, [later], Date.now());
    expect((await albums.listReadyPhotos(id, 10, 0)).map((p) => p.id)).toEqual([mine, later]);
  });

  it('keeps a chosen cover, refuses one outside the album, and falls back to the first photo when it is removed', async () => {
    const [a, b] = [await addPhoto(alice), await addPhoto(alice)];
    const outside = await addPhoto(alice);
    const id = await newAlbum(alice, 'Covers', [a, b]);
    expect(await albums.setCover(alice, id, outside, Date.now())).toBe('photo_not_found');
    expect(await albums.setCover(alice, id, b, Date.now())).toBe('ok');
    expect(await albums.findOwned(alice, id)).toMatchObject({ cover_photo_id: b, cover_id: b });
    expect(await albums.removePhotos(alice, id, [b], Date.now())).toBe(1);
    expect(await albums.findOwned(alice, id)).toMatchObject({ cover_photo_id: null, cover_id: a, photo_count: 1 });
    expect(await albums.setCover(alice, id, a, Date.now())).toBe('ok');
    expect(await albums.setCover(alice, id, null, Date.now())).toBe('ok');
    expect(await albums.findOwned(alice, id)).toMatchObject({ cover_photo_id: null, cover_id: a });
  });

  it('deleting a photo takes it out of its albums and clears it as a cover; deleting an album keeps the photos', async () => {
    const [a, b] = [await addPhoto(alice), await addPhoto(alice)];
    const id = await newAlbum(alice, 'Deletions', [a, b]);
    await albums.setCover(alice, id, a, Date.now());
    await db.deleteFrom('photos').where('id', '=', a).execute();
    expect(await albums.findOwned(alice, id)).toMatchObject({ cover_photo_id: null, cover_id: b, photo_count: 1 });
    expect(await albums.listContaining(alice, b, 10)).toEqual([{ id, name: 'Deletions' }]);
    expect(await albums.deleteOwned(alice, id)).toBe(true);
    expect(await db.selectFrom('photos').select('id').where('id', '=', b).executeTakeFirst()).toEqual({ id: b });
    expect(await db.selectFrom('album_photos').select('photo_id').where('album_id', '=', id).execute()).toEqual([]);
  });

  it("deleting an album removes its share links; a link shares exactly one photo or one album", async () => {
    const id = await newAlbum(alice, 'Shared');
    const photo = await addPhoto(alice);
    const link = (over: { photo_id: string | null; album_id: string | null }) => ({
      id: newId(),
      owner_id: alice,
      token_hash: newId(),
      password_hash: '',
      expires_at: Date.now() + 1000,
      revoked_at: 0,
      created_at: Date.now(),
      views: 0,
      ...over,
    });
    const albumLink = link({ photo_id: null, album_id: id });
    await db.insertInto('share_links').values(albumLink).execute();
    await expect(db.insertInto('share_links').values(link({ photo_id: null, album_id: null })).execute()).rejects.toThrow();
    await expect(db.insertInto('share_links').values(link({ photo_id: photo, album_id: id })).execute()).rejects.toThrow();
    await albums.deleteOwned(alice, id);
    expect(await db.selectFrom('share_links').select('id').where('id', '=', albumLink.id).executeTakeFirst()).toBeUndefined();
  });

  it('lists the owner’s albums newest first with names for pickers', async () => {
    const carol = await insertUser(db, 'carol');
    const first = await newAlbum(carol, 'First');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await newAlbum(carol, 'Second');
    expect((await albums.listForOwner(carol, 10, 0)).map((a) => a.id)).toEqual([second, first]);
    expect(await albums.listNames(carol, 10)).toEqual([
      { id: second, name: 'Second' },
      { id: first, name: 'First' },
    ]);
    expect((await albums.listForOwner(carol, 1, 1)).map((a) => a.id)).toEqual([first]);
  });
});
