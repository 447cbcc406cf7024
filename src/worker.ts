import { buildApp } from './app.js';
import { loadConfig } from './config/config.js';
import { ConfigError } from './config/env-parsers.js';
import { shutdownTelemetry } from './telemetry/lifecycle.js';

/**
 * A worker process: the same app and configuration, processing background jobs without serving
 * HTTP. Run several (`npm run worker`) next to web processes started with WORKER_IN_PROCESS=false;
 * they share the job queue (the database's job table, or BullMQ on Redis with REDIS_URL).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ ...process.env, WORKER_IN_PROCESS: 'true' });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const app = await buildApp(config);
  await app.ready();
  // The job worker's timers are unref'd (they must not keep a web process from exiting) and an
  // SQLite database holds no socket: without this, a worker process would exit as soon as it started.
  const keepAlive = setInterval(() => {}, 1 << 30);
  app.log.info({ concurrency: config.worker.concurrency }, 'worker started');
  const stop = (signal: string) => {
    app.log.info({ signal }, 'worker stopping');
    clearInterval(keepAlive);
    app
      .close()
      .then(() => shutdownTelemetry().catch((error: unknown) => app.log.warn({ err: error }, 'telemetry flush failed')))
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // A setting found wrong at start-up (an unreachable DATABASE_URL, REDIS_URL or bucket) names itself.
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`photovault worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
