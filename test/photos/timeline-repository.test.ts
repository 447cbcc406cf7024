import { randomBytes } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { NO_FACT_COLUMNS } from '../../src/photos/photo-facts-columns.js';
import { createPhotoRepository, TIMELINE_ORDER, type PhotoRepository } from '../../src/photos/photo-repository.js';
import { DIALECTS, openMigratedDatabase } from '../support/databases.js';

const id = () => randomBytes(16).toString('hex');
const DAY = 86_400_000;

describe.each(DIALECTS)('the timeline in the photo repository (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let photos: PhotoRepository;
  const owner = id();
  const other = id();

  async function addPhoto(ownerId: string, title: string, createdAt: number, takenAt: number | null) {
    await db.insertInto('photos').values({ id: id(), owner_id: ownerId, status: 'ready', title, created_at: createdAt, taken_at: takenAt }).execute();
  }

  beforeAll(async () => {
    ({ db, close } = await openMigratedDatabase(dialect));
    photos = createPhotoRepository(db);
    for (const userId of [owner, other]) {
      await db.insertInto('users').values({ id: userId, username: userId, username_key: userId, email: `${userId}@example.test`, password_hash: 'x', created_at: 0, password_changed_at: 0 }).execute();
    }
  });
  afterAll(async () => close());

  it('orders by the date taken, else the upload time, latest first, and pages through every photo exactly once', async () => {
    const now = Date.UTC(2026, 11, 1);
    await addPhoto(owner, 'uploaded today, taken 2019', now, Date.UTC(2019, 6, 14, 15, 30));
    await addPhoto(owner, 'uploaded last week, no date', now - 7 * DAY, null);
    await addPhoto(owner, 'uploaded yesterday, taken 2021', now - DAY, Date.UTC(2021, 0, 2));
    await addPhoto(owner, 'uploaded today, no date', now, null);
    await addPhoto(owner, 'uploaded today, taken 2019 too', now, Date.UTC(2019, 6, 14, 15, 30));
    await addPhoto(other, 'someone else', now + DAY, null);

    const all = await photos.listTilesForOwner(owner, 100, 0);
    expect(all.map((p) => p.title.replace(' too', ''))).toEqual([
      'uploaded today, no date',
      'uploaded last week, no date',
      'uploaded yesterday, taken 2021',
      'uploaded today, taken 2019',
      'uploaded today, taken 2019',
    ]);
    // Equal dates are ordered by id, so pages neither repeat nor skip a photo.
    const paged = [];
    for (let offset = 0; offset < 5; offset += 2) paged.push(...(await photos.listTilesForOwner(owner, 2, offset)));
    expect(paged.map((p) => p.id)).toEqual(all.map((p) => p.id));
    expect((await photos.listForOwner(owner, 100, 0)).map((p) => p.id)).toEqual(all.map((p) => p.id));
    expect(all[0]).toMatchObject({ taken_at: null, created_at: now });
  });

  it('stores the facts with the processed photo', async () => {
    await addPhoto(owner, 'to process', 1, null);
    const row = await db.selectFrom('photos').select('id').where('title', '=', 'to process').executeTakeFirstOrThrow();
    const facts = { ...NO_FACT_COLUMNS, taken_at: Date.UTC(2019, 6, 14), taken_offset: -420, camera_make: 'Canon', camera_model: 'EOS R5', lens_model: 'RF 24-70mm', exposure_time: 0.004, f_number: 2.8, iso: 400, focal_length: 35, latitude: 51.5074, longitude: -0.1278 };
    await photos.markProcessed(row.id, { status: 'ready', statusDetail: '', format: 'jpeg', mime: 'image/jpeg', width: 1, height: 1, bytes: 1, contentHash: 'h', placeholder: '', facts }, 2);
    expect(await photos.findById(row.id)).toMatchObject(facts);
  });

  it('walks the timeline index instead of sorting the owner’s photos', async () => {
    const query = db.selectFrom('photos').select('id').where('owner_id', '=', owner).orderBy(TIMELINE_ORDER, 'desc').orderBy('id', 'desc').limit(49).offset(0).compile();
    const plan = await db.connection().execute(async (connection) => {
      if (dialect === 'postgres') {
        // A handful of rows make a sequential scan cheapest; forbid it to see which index fits.
        await sql`SET enable_seqscan = off`.execute(connection);
        const rows = await connection.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${query.sql}`, [...query.parameters]));
        await sql`RESET enable_seqscan`.execute(connection);
        return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
      }
      const rows = await connection.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]));
      return rows.rows.map((r) => r.detail).join('\n');
    });
    expect(plan).toContain('photos_owner_timeline');
    expect(plan).not.toMatch(/TEMP B-TREE|Sort/);
  });
});
