import { sql, type Kysely } from 'kysely';

// Account deletion and export (issue 16, item 6).
// - users.deleted_at: when the owner asked to delete the account; from then on it cannot log in
//   (the same answer as a wrong password) and its credentials stop working. users.purged_at: when
//   the deletion job finished; the row left is an anonymised tombstone that keeps the id (audit
//   rows name it) and the username (so nobody can sign up under it and pose as the old owner).
// - account_exports: one zip of a user's originals and metadata per request, built by a job, kept
//   in media storage under `<export id>/photovault-export.zip` until expires_at. A partial unique
//   index allows one queued or building export per user at a time.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('deleted_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('purged_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('account_exports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('photo_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('ready_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('account_exports_user_created').on('account_exports').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('account_exports_status_expires').on('account_exports').columns(['status', 'expires_at']).execute();
  await db.schema
    .createIndex('account_exports_one_running')
    .on('account_exports')
    .column('user_id')
    .unique()
    .where(sql.ref('status'), 'in', [sql.lit('queued'), sql.lit('building')])
    .execute();
  // Housekeeping finds deletions whose job a crash or an outage lost (BullMQ queues after the commit).
  await db.schema.createIndex('users_deleted_purged').on('users').columns(['deleted_at', 'purged_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('users_deleted_purged').execute();
  await db.schema.dropTable('account_exports').execute();
  for (const column of ['purged_at', 'deleted_at']) await db.schema.alterTable('users').dropColumn(column).execute();
}
