import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/config.js';

/** The real app, in this process, listening on a random loopback port with its own data. */
export interface RunningApp {
  readonly origin: string;
  readonly app: FastifyInstance;
  readonly dataDir: string;
  /** Runs the upload job queue dry (the in-process worker would get there too, later). */
  readonly drain: () => Promise<void>;
  readonly close: () => Promise<void>;
}

/**
 * Starts photovault as `npm start` would (production mode, SQLite and local disk in a fresh
 * temporary DATA_DIR), with throttles raised so a scanner's thousands of requests are not
 * locked out half way. `logFile` receives the app's warn+ log lines (server errors' details).
 */
export async function startPhotovault(env: Record<string, string> = {}, logFile?: string): Promise<RunningApp> {
  // The log's folder (reports/security/) does not exist before a first full run.
  if (logFile) await mkdir(path.dirname(logFile), { recursive: true });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'photovault-scan-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    SIGNUP_RATE_LIMIT: '1000000',
    LOGIN_ACCOUNT_MAX_FAILURES: '1000',
    LOGIN_ADDRESS_MAX_FAILURES: '100000',
    ...env,
  });
  let app: FastifyInstance;
  try {
    app = await buildApp(config, { logger: logFile ? { level: config.logLevel, file: logFile } : false });
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    app,
    dataDir,
    drain: () => app.jobWorker.drain(),
    close: async () => {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
