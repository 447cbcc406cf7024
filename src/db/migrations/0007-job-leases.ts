import type { Kysely } from 'kysely';

// Jobs remember which worker holds them (`locked_by`: host/pid/random), so a restarted process can
// take back at once the jobs of a process that died on its own machine, and live workers keep
// their leases short by renewing them (a heartbeat) instead of holding one long lease.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('locked_by', 'text', (c) => c.notNull().defaultTo('')).execute();
  // The claim looks for due jobs of the kinds that still have room; the retention sweep for old
  // finished ones.
  await db.schema.createIndex('jobs_status_kind_run_at').on('jobs').columns(['status', 'kind', 'run_at']).execute();
  await db.schema.createIndex('jobs_status_updated_at').on('jobs').columns(['status', 'updated_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_status_updated_at').execute();
  await db.schema.dropIndex('jobs_status_kind_run_at').execute();
  await db.schema.alterTable('jobs').dropColumn('locked_by').execute();
}
