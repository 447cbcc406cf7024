import { loadConfig } from './config/config.js';
import { ConfigError } from './config/env-parsers.js';
import { createDatabase, migrateToLatest } from './db/database.js';

/**
 * `npm run migrate`: applies every pending database migration and exits, for a deployment's
 * one-shot step before new web and worker processes start (compose's `migrate` service, the
 * Kubernetes Job). The app also migrates at start-up, so this is never required; it moves the
 * work (and its failure) to one place. Exit codes: 0 migrated, 1 failed, 78 configuration.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const db = createDatabase(config.database);
  try {
    await migrateToLatest(db);
    process.stdout.write(`Database schema is up to date (${config.database.dialect}).\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}${cause}\n`);
    process.exit(1);
  },
);
