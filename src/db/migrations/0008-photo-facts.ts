import { sql, type Kysely } from 'kysely';

const TEXT_COLUMNS = ['camera_make', 'camera_model', 'lens_model'];
const NUMBER_COLUMNS: [string, 'bigint' | 'integer' | 'double precision'][] = [
  ['taken_at', 'bigint'],
  ['taken_offset', 'integer'],
  ['exposure_time', 'double precision'],
  ['f_number', 'double precision'],
  ['iso', 'integer'],
  ['focal_length', 'double precision'],
  ['latitude', 'double precision'],
  ['longitude', 'double precision'],
];

// What a photo's EXIF said (read before the original is stripped) as columns: camera, exposure,
// date taken, and the location only when the owner kept it (`keep_location`, chosen at upload).
// The gallery is a timeline, ordered by the date taken, else the upload time: the index is on that
// expression, TIMELINE_ORDER (photos/photo-repository.ts), which every timeline query must spell the same
// way for the planner to walk the index backwards and stop after a page (as 0005's did on created_at,
// which no list orders by any more). An expression rather than a column, so no insert has to fill it.
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of TEXT_COLUMNS) {
    await db.schema.alterTable('photos').addColumn(column, 'text', (c) => c.notNull().defaultTo('')).execute();
  }
  for (const [column, type] of NUMBER_COLUMNS) await db.schema.alterTable('photos').addColumn(column, type).execute();
  await db.schema.alterTable('photos').addColumn('keep_location', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`CREATE INDEX photos_owner_timeline ON photos (owner_id, coalesce(taken_at, created_at), id)`.execute(db);
  await db.schema.dropIndex('photos_owner_created_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('photos_owner_created_id').on('photos').columns(['owner_id', 'created_at', 'id']).execute();
  await db.schema.dropIndex('photos_owner_timeline').execute();
  for (const column of [...TEXT_COLUMNS, ...NUMBER_COLUMNS.map(([name]) => name), 'keep_location']) {
    await db.schema.alterTable('photos').dropColumn(column).execute();
  }
}
