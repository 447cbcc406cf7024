import { buildApp } from './app.js';
import { loadConfig } from './config/config.js';
import { ConfigError } from './config/env-parsers.js';
import { shutdownTelemetry } from './telemetry/lifecycle.js';

/**
 * Entry point: config → app → listen; stops gracefully on SIGINT/SIGTERM, flushing telemetry last.
 * Telemetry itself starts earlier, in `--import ./dist/telemetry/register.js`, before any module loads.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const app = await buildApp(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app
      .close()
      // The last batch of spans, metrics and logs is flushed after the app has stopped producing them.
      .then(() => shutdownTelemetry().catch((error: unknown) => app.log.warn({ err: error }, 'telemetry flush failed')))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  // A setting found wrong at start-up (an unreachable DATABASE_URL, REDIS_URL or bucket) names itself.
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`photovault failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
