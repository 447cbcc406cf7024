import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../src/app.js';
import { loadConfig, type AppConfig } from '../../src/config/config.js';
import { createDatabase, type Db } from '../../src/db/database.js';
import { createTestDatabase, type Dialect, type TestDatabase } from './databases.js';

/** The SECRET_KEY of test apps and server processes (never used outside tests). */
export const TEST_SECRET_KEY = 'test-only-secret-key-0123456789abcdef';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly database: TestDatabase;
  readonly config: AppConfig;
  /** A separate Kysely handle on the app's database, for arranging and inspecting rows directly. */
  readonly db: Db;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Runs after the app is built and before `ready()`, e.g. to register extra test-only routes. */
  readonly beforeReady?: (app: FastifyInstance) => void | Promise<void>;
  /** Pino options for the app's logger (e.g. a stream the test reads); by default nothing is logged. */
  readonly logger?: BuildAppOptions['logger'];
}

/** The real app on a fresh database of `dialect`, configured from env-style overrides. */
export async function createTestApp(dialect: Dialect, env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase(dialect);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: database.dataDir,
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent',
    SIGNUP_RATE_LIMIT: '100000',
    // The scale-out shape (REDIS_URL, WORKER_IN_PROCESS=false) requires one; the key file is tested apart.
    SECRET_KEY: TEST_SECRET_KEY,
    ...env,
  });
  const app = await buildApp(config, options.logger !== undefined ? { logger: options.logger } : process.env.TEST_LOGS ? {} : { logger: false });
  await options.beforeReady?.(app);
  await app.ready();
  let db: Db | undefined;
  return {
    app,
    database,
    config,
    get db() {
      db ??= createDatabase(config.database);
      return db;
    },
    async close() {
      await app.close();
      await db?.destroy();
      await database.drop();
    },
  };
}
