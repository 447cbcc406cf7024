import type { Kysely } from 'kysely';

// The gallery lists an owner's photos by (created_at desc, id desc). With the id in the index the
// database walks it backwards and stops after one page; without it, SQLite sorted every photo of the
// owner in a temporary B-tree ("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY") on each page view.
// The old (owner_id, created_at) index is a prefix of the new one, so it goes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('photos_owner_created_id').on('photos').columns(['owner_id', 'created_at', 'id']).execute();
  await db.schema.dropIndex('photos_owner_created').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('photos_owner_created').on('photos').columns(['owner_id', 'created_at']).execute();
  await db.schema.dropIndex('photos_owner_created_id').execute();
}
