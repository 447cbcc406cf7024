// A process that opens the database like the app does, says "ready", waits for "go" on stdin and
// then runs the migrations: several of these started at once race exactly as instances do.
import { createInterface } from 'node:readline';
import { loadConfig } from '../../../src/config/config.js';
import { createDatabase, migrateToLatest } from '../../../src/db/database.js';

const db = createDatabase(loadConfig().database);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line !== 'go') continue;
  try {
    await migrateToLatest(db);
    process.stdout.write('migrated\n');
  } catch (error) {
    process.stdout.write(`failed: ${String((error as Error).cause ?? error)}\n`);
    process.exitCode = 1;
  }
  break;
}
lines.close();
await db.destroy();
