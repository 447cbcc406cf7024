import type { Kysely } from 'kysely';

// The photo pipeline's columns and the durable job queue.
export async function up(db: Kysely<unknown>): Promise<void> {
  const textColumns = ['status_detail', 'original_name', 'format', 'mime', 'content_hash', 'placeholder', 'alt_text', 'caption', 'trace_parent'];
  for (const column of textColumns) {
    await db.schema.alterTable('photos').addColumn(column, 'text', (c) => c.notNull().defaultTo('')).execute();
  }
  for (const column of ['width', 'height', 'bytes']) {
    await db.schema.alterTable('photos').addColumn(column, 'integer', (c) => c.notNull().defaultTo(0)).execute();
  }
  await db.schema.alterTable('photos').addColumn('updated_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('photo_id', 'text', (c) => c.references('photos.id').onDelete('cascade'))
    .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_status_run_at').on('jobs').columns(['status', 'run_at']).execute();
  await db.schema.createIndex('jobs_photo_id').on('jobs').column('photo_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('jobs').execute();
}
