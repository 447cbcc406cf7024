import { randomBytes } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaptionRepository } from '../../../src/agent/caption-repository.js';
import { createAlbumRepository, type AlbumRepository } from '../../../src/albums/album-repository.js';
import type { Db } from '../../../src/db/database.js';
import { migrations } from '../../../src/db/migrations/index.js';
import { createPhotoRepository, type PhotoRepository } from '../../../src/photos/photo-repository.js';
import { parsePhotoSearch, type PhotoSearch } from '../../../src/photos/search/photo-search.js';
import { searchConditions } from '../../../src/photos/search/photo-search-repository.js';
import { DIALECTS, insertUser, openMigratedDatabase } from '../../support/databases.js';

const newId = () => randomBytes(16).toString('hex');
const DAY = 86_400_000;

function search(q: string, from = '', to = ''): PhotoSearch | null {
  const parsed = parsePhotoSearch({ q, from, to });
  if (!parsed.ok) throw new Error(parsed.errors.join(' '));
  return parsed.search;
}

// Every hostile query a user could type: none may be read as FTS5 or tsquery syntax, none may fail.
const HOSTILE = ['"', '""', '*', '"*', 'NEAR(', 'NEAR(a b, 2)', 'AND OR NOT', 'a AND', 'NOT a', 'title:', 'photo_id:x', '{title}: x', '^', '^a', '-a', 'a -', "'", "''", '\\', "a' OR '1'='1", "'; DROP TABLE photos; --", '%', '_', '(', ')', '[', ':*', '!a', '<->', 'a & b | !c', '\u0301', '💥', '東京', 'ß', '\u202e'];

describe.each(DIALECTS)('photo search in the repository (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let photos: PhotoRepository;
  let albums: AlbumRepository;
  let alice: string;
  let bob: string;

  async function addPhoto(ownerId: string, fields: { title?: string; caption?: string; alt_text?: string; original_name?: string; taken_at?: number | null; created_at?: number; id?: string } = {}): Promise<string> {
    const id = fields.id ?? newId();
    await db
      .insertInto('photos')
      .values({ id, owner_id: ownerId, status: 'ready', title: fields.title ?? '', caption: fields.caption ?? '', alt_text: fields.alt_text ?? '', original_name: fields.original_name ?? '', taken_at: fields.taken_at ?? null, created_at: fields.created_at ?? Date.UTC(2026, 0, 1) })
      .execute();
    return id;
  }

  const found = async (ownerId: string, q: string, from = '', to = '') => (await photos.listForOwner(ownerId, 100, 0, search(q, from, to))).map((p) => p.id);

  beforeAll(async () => {
    ({ db, close } = await openMigratedDatabase(dialect));
    photos = createPhotoRepository(db);
    albums = createAlbumRepository(db);
    alice = await insertUser(db, 'alice');
    bob = await insertUser(db, 'bob');
  });
  afterAll(() => close());

  it('finds the owner’s photos by title, caption, alt text and original file name, every word, the last as a prefix', async () => {
    const beach = await addPhoto(alice, { title: 'Sunset at the beach', taken_at: Date.UTC(2019, 6, 14) });
    const caption = await addPhoto(alice, { caption: 'Grandma’s birthday cake', taken_at: Date.UTC(2020, 1, 2) });
    const alt = await addPhoto(alice, { alt_text: 'A red bicycle against a wall', taken_at: Date.UTC(2021, 3, 4) });
    const file = await addPhoto(alice, { original_name: 'IMG_20190714_1234.jpg', taken_at: Date.UTC(2019, 6, 15) });
    const bobs = await addPhoto(bob, { title: 'Sunset at the beach' });

    expect(await found(alice, 'sunset')).toEqual([beach]);
    expect(await found(alice, 'SUNSET Beach')).toEqual([beach]);
    expect(await found(alice, 'beach sunrise')).toEqual([]);
    expect(await found(alice, 'birthday')).toEqual([caption]);
    expect(await found(alice, 'bicycle')).toEqual([alt]);
    expect(await found(alice, 'bicy')).toEqual([alt]); // the last word is a prefix
    expect(await found(alice, 'red bicy')).toEqual([alt]);
    expect(await found(alice, 'bicy red')).toEqual([]);
    expect(await found(alice, 'bicy wall')).toEqual([]); // …but only the last
    expect(await found(alice, 'IMG_20190714_1234.jpg')).toEqual([file]);
    expect(await found(alice, '1234')).toEqual([file]);
    expect(await found(alice, 'img')).toEqual([file]);
    expect(await found(bob, 'sunset')).toEqual([bobs]);
    expect(await photos.countForOwner(alice, search('sunset'))).toBe(1);
    expect(await photos.countForOwner(bob, search('birthday'))).toBe(0);
    // Tiles and counts come from the same query.
    expect((await photos.listTilesForOwner(alice, 10, 0, search('cake'))).map((p) => p.id)).toEqual([caption]);
  });

  it('keeps the index in step with every insert, edit and delete', async () => {
    const id = await addPhoto(alice, { title: 'Zeppelin over Lake Constance' });
    expect(await found(alice, 'zeppelin')).toEqual([id]);
    await photos.updateText(alice, id, { title: 'Hot-air balloon' }, Date.now());
    expect(await found(alice, 'zeppelin')).toEqual([]);
    expect(await found(alice, 'balloon')).toEqual([id]);
    // The caption agent writes with its own UPDATE (fillEmpty): found as soon as it lands.
    expect(await createCaptionRepository(db).fillEmpty(id, { altText: 'A balloon above a lake', caption: 'Seen from Friedrichshafen' }, Date.now())).toEqual({ altText: true, caption: true });
    expect(await found(alice, 'friedrichshafen')).toEqual([id]);
    expect(await found(alice, 'lake above')).toEqual([id]);
    // A status change does not touch the texts or the index.
    await photos.setStatus(id, 'held', '', Date.now());
    expect(await found(alice, 'balloon friedrichshafen')).toEqual([id]);
    expect(await photos.deleteOwned(alice, id)).toBe(true);
    expect(await found(alice, 'balloon')).toEqual([]);
    if (dialect === 'sqlite') {
      const rows = await sql<{ n: number }>`SELECT count(*) AS n FROM photos_fts WHERE photo_id = ${id}`.execute(db);
      expect(rows.rows[0]?.n).toBe(0);
    }
  });

  it('bounds the date taken (else the upload date) by whole days, both ends included', async () => {
    const owner = await insertUser(db, 'carol');
    const first = await addPhoto(owner, { title: 'dated', taken_at: Date.UTC(2019, 6, 14, 0, 0) });
    const last = await addPhoto(owner, { title: 'dated', taken_at: Date.UTC(2019, 6, 16, 23, 59, 59, 999) });
    const before = await addPhoto(owner, { title: 'dated', taken_at: Date.UTC(2019, 6, 13, 23, 59, 59, 999) });
    const after = await addPhoto(owner, { title: 'dated', taken_at: Date.UTC(2019, 6, 17) });
    const uploaded = await addPhoto(owner, { title: 'undated', taken_at: null, created_at: Date.UTC(2019, 6, 15, 12) });
    expect(await found(owner, '', '2019-07-14', '2019-07-16')).toEqual([last, uploaded, first]);
    expect(await found(owner, 'dated', '2019-07-14', '2019-07-16')).toEqual([last, first]);
    expect(await found(owner, '', '2019-07-17')).toEqual([after]);
    expect(await found(owner, '', '', '2019-07-13')).toEqual([before]);
    expect(await found(owner, '', '2019-07-15', '2019-07-15')).toEqual([uploaded]);
  });

  it('reads hostile input as words to find, never as query syntax', async () => {
    const owner = await insertUser(db, 'dave');
    const near = await addPhoto(owner, { title: 'near the AND gate, not or', taken_at: Date.UTC(2020, 0, 1) });
    const tokyo = await addPhoto(owner, { title: '東京タワー at night', caption: 'Straße', taken_at: Date.UTC(2020, 0, 2) });
    for (const q of HOSTILE) {
      const result = await photos.listForOwner(owner, 10, 0, search(q));
      for (const photo of result) expect(photo.owner_id).toBe(owner);
    }
    for (const q of HOSTILE) await photos.countForOwner(owner, search(q));
    expect(await found(owner, 'NEAR(')).toEqual([near]);
    expect(await found(owner, 'AND OR NOT')).toEqual([near]);
    expect(await found(owner, 'gate:near')).toEqual([near]);
    expect(await found(owner, 'title:near')).toEqual([]);
    expect(await found(owner, '"near')).toEqual([near]);
    expect(await found(owner, '*')).toEqual([]);
    expect(await found(owner, '"')).toEqual([]);
    expect(await found(owner, "a' OR '1'='1")).toEqual([]);
    expect(await found(owner, '東京')).toEqual([tokyo]);
    expect(await found(owner, 'straße')).toEqual([tokyo]);
    // Another user's photo ids are not words of anyone's photos.
    expect(await found(owner, near)).toEqual([]);
    expect(await found(owner, `photo_id:${near}`)).toEqual([]);
  });

  it('finds the neighbours in the timeline by keyset, ties on equal dates broken by id as the pages do', async () => {
    const owner = await insertUser(db, 'erin');
    const at = Date.UTC(2022, 4, 5, 6, 7);
    // Three photos at the same instant (ids chosen to order them), one newer, one older.
    const tie = ['1'.repeat(32), '5'.repeat(32), 'a'.repeat(32)];
    for (const id of tie) await addPhoto(owner, { id, title: 'same moment', taken_at: at });
    const newer = await addPhoto(owner, { title: 'newer', taken_at: at + 1 });
    const older = await addPhoto(owner, { title: 'older', taken_at: null, created_at: at - 1 });
    const order = (await photos.listForOwner(owner, 100, 0)).map((p) => p.id);
    expect(order).toEqual([newer, tie[2], tie[1], tie[0], older]);
    for (const [i, id] of order.entries()) {
      const photo = await photos.findOwned(owner, id);
      const around = await photos.findNeighbours(owner, photo!);
      expect([around.previous?.id, around.next?.id]).toEqual([order[i - 1], order[i + 1]]);
    }
    // Within a search, only its photos are neighbours.
    const middle = await photos.findOwned(owner, tie[1]!);
    const inSearch = await photos.findNeighbours(owner, middle!, search('newer older'.split(' ')[0]!));
    expect(inSearch.previous?.id).toBe(newer);
    expect(inSearch.next).toBeUndefined();
    const moment = await photos.findNeighbours(owner, middle!, search('moment'));
    expect([moment.previous?.id, moment.next?.id]).toEqual([tie[2], tie[0]]);
    // Nobody else's photos are anyone's neighbours.
    const bobsNeighbours = await photos.findNeighbours(bob, middle!);
    for (const tile of [bobsNeighbours.previous, bobsNeighbours.next]) if (tile) expect(order).not.toContain(tile.id);
  });

  it('finds the neighbours in an album, in album order, only for the album’s owner and its ready photos', async () => {
    const owner = await insertUser(db, 'frank');
    const [a, b, c, held] = [await addPhoto(owner, { title: 'a' }), await addPhoto(owner, { title: 'b' }), await addPhoto(owner, { title: 'c' }), await addPhoto(owner, { title: 'held' })];
    await db.updateTable('photos').set({ status: 'held' }).where('id', '=', held).execute();
    const albumId = newId();
    expect((await albums.insert({ id: albumId, owner_id: owner, name: 'Trip', cover_photo_id: null, created_at: 1, updated_at: 1 }, [c, held, a, b])).ok).toBe(true);
    expect(await albums.findNeighbours(owner, albumId, c)).toMatchObject({ albumName: 'Trip', previous: undefined, next: { id: a } });
    expect(await albums.findNeighbours(owner, albumId, a)).toMatchObject({ previous: { id: c }, next: { id: b } });
    expect(await albums.findNeighbours(owner, albumId, b)).toMatchObject({ previous: { id: a }, next: undefined });
    expect(await albums.findNeighbours(owner, albumId, held)).toBeUndefined();
    expect(await albums.findNeighbours(bob, albumId, a)).toBeUndefined();
    expect(await albums.findNeighbours(owner, newId(), a)).toBeUndefined();
  });

  it('leaves photos in the Trash out of searches and of every previous/next', async () => {
    const owner = await insertUser(db, 'heidi');
    const [first, trashed, last] = [
      await addPhoto(owner, { title: 'kite one', taken_at: Date.UTC(2021, 0, 3) }),
      await addPhoto(owner, { title: 'kite two', taken_at: Date.UTC(2021, 0, 2) }),
      await addPhoto(owner, { title: 'kite three', taken_at: Date.UTC(2021, 0, 1) }),
    ];
    const albumId = newId();
    expect((await albums.insert({ id: albumId, owner_id: owner, name: 'Kites', cover_photo_id: null, created_at: 1, updated_at: 1 }, [first, trashed, last])).ok).toBe(true);
    await db.updateTable('photos').set({ trashed_at: Date.now() }).where('id', '=', trashed).execute();
    expect(await found(owner, 'kite')).toEqual([first, last]);
    expect(await found(owner, 'two')).toEqual([]);
    expect(await photos.countForOwner(owner, search('kite'))).toBe(2);
    const around = await photos.findNeighbours(owner, (await photos.findOwned(owner, first))!);
    expect(around.next?.id).toBe(last);
    expect(await albums.findNeighbours(owner, albumId, first)).toMatchObject({ next: { id: last } });
    expect(await albums.findNeighbours(owner, albumId, trashed)).toBeUndefined();
  });

  it('indexes the photos that existed before migrations 0016 and 0021 (their backfills)', async () => {
    const owner = await insertUser(db, 'grace');
    const id = await addPhoto(owner, { title: 'Before the index', original_name: 'old_scan.png' });
    const search0016 = migrations['0016-photo-search']!;
    const folding0021 = migrations['0021-search-accent-folding']!;
    await folding0021.down!(db as never);
    await search0016.down!(db as never);
    await db.updateTable('photos').set({ caption: 'edited while unindexed' }).where('id', '=', id).execute();
    await search0016.up(db as never);
    await db.updateTable('photos').set({ alt_text: 'Façade in Besançon' }).where('id', '=', id).execute();
    // 0016's FTS5 table did not fold accents (PostgreSQL's query states its expression, index or not).
    if (dialect === 'sqlite') expect(await found(owner, 'facade')).toEqual([]);
    await folding0021.up(db as never);
    expect(await found(owner, 'scan')).toEqual([id]);
    expect(await found(owner, 'unindexed')).toEqual([id]);
    expect(await found(owner, 'before index')).toEqual([id]);
    expect(await found(owner, 'facade besancon')).toEqual([id]);
  });

  it('folds accents the same way in the index and the query, on both dialects', async () => {
    const found = async (ownerId: string, q: string) => (await photos.listForOwner(ownerId, 100, 0, search(q))).map((p) => p.id).sort();
    const owner = await insertUser(db, 'henri');
    const cafe = await addPhoto(owner, { title: 'Café de Flore', caption: 'Crème brûlée, naïve Ångström' });
    const nordic = await addPhoto(owner, { title: 'Ærøskøbing harbour', original_name: 'Straße_Łódź.jpg' });
    const decomposed = await addPhoto(owner, { title: 'Cafe\u0301 noir' }); // é as e + combining acute
    expect(await found(owner, 'cafe')).toEqual([decomposed, cafe].sort());
    expect(await found(owner, 'CAFÉ')).toEqual([decomposed, cafe].sort());
    expect(await found(owner, 'cafe\u0301')).toEqual([decomposed, cafe].sort());
    expect(await found(owner, 'creme brulee naive angstrom')).toEqual([cafe]);
    expect(await found(owner, 'crème brû')).toEqual([cafe]); // accents on a prefix too
    expect(await found(owner, 'ｃａｆｅ')).toEqual([decomposed, cafe].sort()); // full-width forms (NFKC)
    // Letters that do not decompose are not diacritics: ø, æ, ß, ł stay themselves.
    expect(await found(owner, 'ærøskøbing')).toEqual([nordic]);
    expect(await found(owner, 'aeroskobing')).toEqual([]);
    expect(await found(owner, 'straße')).toEqual([nordic]);
    expect(await found(owner, 'łódź')).toEqual([nordic]);
    expect(await found(owner, 'łodz')).toEqual([nordic]); // ó and ź fold; Ł does not decompose, so…
    expect(await found(owner, 'lodz')).toEqual([]); // …plain l does not find it, in both dialects
  });

  it('answers a word search from the full-text index (FTS5 table; GIN index photos_search)', async () => {
    // A database of its own: the backfill test above drops and rebuilds the index in the shared one.
    const own = await openMigratedDatabase(dialect);
    const words = search('sunset beach')!;
    const plan = await own.db.connection().execute(async (conn) => {
      if (dialect === 'postgres') await sql`SET enable_seqscan = off`.execute(conn);
      const query = conn.selectFrom('photos').select('id').where((eb) => eb.and(searchConditions(conn, words))).compile();
      const explain = dialect === 'postgres' ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
      const rows = await conn.executeQuery(CompiledQuery.raw(`${explain}${query.sql}`, [...query.parameters]));
      if (dialect === 'postgres') await sql`RESET enable_seqscan`.execute(conn);
      return JSON.stringify(rows.rows);
    });
    await own.close();
    expect(plan).toMatch(dialect === 'postgres' ? /Bitmap Index Scan on photos_search/ : /SCAN photos_fts VIRTUAL TABLE INDEX/);
  });
});
