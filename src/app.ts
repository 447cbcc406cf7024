import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { createAccountService } from './accounts/account-service.js';
import { createPasswordHasher } from './accounts/password/hashing.js';
import { accountRoutes } from './accounts/routes.js';
import { createSessionRepository } from './accounts/sessions/session-repository.js';
import { registerSessionLoading } from './accounts/sessions/session-plugin.js';
import { createSessionService } from './accounts/sessions/session-service.js';
import { createLoginThrottle } from './accounts/throttle/login-throttle.js';
import { createThrottleRepository } from './accounts/throttle/throttle-repository.js';
import { createUserRepository } from './accounts/user-repository.js';
import type { AppConfig } from './config/config.js';
import { resolveSecretKey } from './config/secret-key.js';
import { trustProxyOption } from './config/trust-proxy.js';
import { createDatabase, migrateToLatest, pingDatabase, type Db } from './db/database.js';
import { registerErrorHandling, sendError } from './errors/error-handler.js';
import { createPhotoRepository } from './photos/photo-repository.js';
import { photoRoutes } from './photos/routes.js';
import { registerCsrf } from './security/csrf.js';
import { registerSecurityHeaders } from './security/headers.js';
import { registerLoginRequired } from './security/login-required.js';
import { registerNeverCache } from './security/never-cache.js';
import './security/route-options.js';
import { directoryWritable, healthRoutes } from './web/health-routes.js';
import { landingRoutes } from './web/landing-routes.js';
import { staticFiles } from './web/static-files.js';

const FORM_BODY_LIMIT = 64 * 1024;
const MAINTENANCE_INTERVAL_MS = 15 * 60_000;

export interface BuildAppOptions {
  /** Replaces the pino logger options (tests pass `false`). */
  readonly logger?: FastifyServerOptions['logger'];
}

/** Builds the whole application: database migrated, security layer registered, routes ready. */
export async function buildApp(config: AppConfig, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const secretKey = await resolveSecretKey(config.dataDir, config.secretKey);
  const db = createDatabase(config.database);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }

  const app = Fastify({
    logger: options.logger ?? {
      level: config.logLevel,
      // No secrets in logs: cookies, credentials and tokens are redacted.
      redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    },
    // Request ids are ours, never the client's, so logs cannot be forged through them.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: FORM_BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // Malformed URLs (bad percent-encoding, bad UTF-8) are answered by the same error mapper.
    frameworkErrors: (error, request, reply) => {
      request.log.info({ errCode: error.code }, 'malformed request');
      sendError(request, reply, { code: 'bad_request', status: 400, detail: 'The address is malformed.' });
    },
  });

  await registerApp(app, config, db, secretKey);
  return app;
}

async function registerApp(app: FastifyInstance, config: AppConfig, db: Db, secretKey: string): Promise<void> {
  const users = createUserRepository(db);
  const sessions = createSessionService(createSessionRepository(db), config.session);
  const throttle = createLoginThrottle(createThrottleRepository(db), config.throttle);
  const accounts = createAccountService({
    users,
    sessions,
    throttle,
    hasher: createPasswordHasher(config.argon2),
  });

  await app.register(fastifyCookie, { secret: secretKey, hook: 'onRequest' });
  await app.register(fastifyFormbody, { bodyLimit: FORM_BODY_LIMIT });
  await registerSecurityHeaders(app);
  registerSessionLoading(app, sessions);
  registerLoginRequired(app);
  registerCsrf(app, {
    secretKey,
    onReject: (request, reason) => request.log.warn({ event: 'csrf_rejected', reason }, 'CSRF check failed'),
  });
  registerNeverCache(app, config.neverCachePrefixes);
  registerErrorHandling(app);

  await app.register(staticFiles);
  await app.register(healthRoutes, [
    { name: 'database', check: () => pingDatabase(db) },
    { name: 'storage', check: directoryWritable(config.dataDir) },
  ]);
  await app.register(landingRoutes);
  await app.register(accountRoutes, { accounts, sessions, signupsPerWindow: config.throttle.signupsPerWindow });
  await app.register(photoRoutes, { photos: createPhotoRepository(db) });

  const maintenance = setInterval(() => {
    void Promise.all([sessions.purgeExpired(), throttle.purgeStale()]).catch((error: unknown) => app.log.error({ err: error }, 'maintenance failed'));
  }, MAINTENANCE_INTERVAL_MS);
  maintenance.unref();
  app.addHook('onClose', async () => {
    clearInterval(maintenance);
    await db.destroy();
  });
}
