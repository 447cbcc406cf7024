import type { Kysely } from 'kysely';

// Password reset by email (issue 16): single-use tokens stored as SHA-256 only, and an email look-up
// key so a reset request finds its accounts with one indexed query. Addresses are not unique (as in
// Django, one address may serve several accounts, and each gets its own mail); the key is computed in
// TypeScript, not with lower(), because SQLite's lower() folds only ASCII and PostgreSQL's folds all.
// Frozen copy of accounts/identity.ts emailKey() as it was when this migration shipped.
const emailKey = (email: string) => email.normalize('NFKC').trim().toLowerCase();

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_key', 'text', (c) => c.notNull().defaultTo('')).execute();
  const typed = db as unknown as Kysely<{ users: { id: string; email: string; email_key: string } }>;
  const users = await typed.selectFrom('users').select(['id', 'email']).execute();
  for (const user of users) await typed.updateTable('users').set({ email_key: emailKey(user.email) }).where('id', '=', user.id).execute();
  await db.schema.createIndex('users_email_key').on('users').column('email_key').execute();

  await db.schema
    .createTable('password_reset_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('password_reset_tokens_user_id').on('password_reset_tokens').column('user_id').execute();
  await db.schema.createIndex('password_reset_tokens_expires_at').on('password_reset_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('password_reset_tokens').execute();
  await db.schema.dropIndex('users_email_key').execute();
  await db.schema.alterTable('users').dropColumn('email_key').execute();
}
