import { randomUUID } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { createAccountService } from './accounts/account-service.js';
import { createApiTokenRepository } from './accounts/api-tokens/api-token-repository.js';
import { createApiTokenService } from './accounts/api-tokens/api-token-service.js';
import { createPasswordHasher } from './accounts/password/hashing.js';
import { accountRoutes } from './accounts/routes.js';
import { createSessionRepository } from './accounts/sessions/session-repository.js';
import { registerSessionLoading } from './accounts/sessions/session-plugin.js';
import { createSessionService } from './accounts/sessions/session-service.js';
import { createLoginThrottle } from './accounts/throttle/login-throttle.js';
import { createThrottleRepository } from './accounts/throttle/throttle-repository.js';
import { createUserRepository } from './accounts/user-repository.js';
import { createCaptionAgent } from './agent/caption-agent.js';
import { CAPTION_PHOTO_JOB } from './agent/caption-photo-job.js';
import { apiRoutes, registerBearerAuthentication } from './api/index.js';
import type { AppConfig } from './config/config.js';
import { resolveSecretKey } from './config/secret-key.js';
import { trustProxyOption } from './config/trust-proxy.js';
import { createDatabase, migrateToLatest, pingDatabase, type Db } from './db/database.js';
import { registerErrorHandling, sendError } from './errors/error-handler.js';
import { createHousekeepingJob, HOUSEKEEPING_JOB, scheduleHousekeeping, type HousekeepingTask } from './jobs/housekeeping.js';
import { createJobRepository } from './jobs/job-repository.js';
import { createJobWorker, type JobWorker } from './jobs/job-worker.js';
import { WorkerThreadModerator } from './media/moderation/worker-moderator.js';
import { createScanner } from './media/scanner/create-scanner.js';
import { LocalStorage } from './media/storage/local-storage.js';
import { S3Storage } from './media/storage/s3-storage.js';
import type { MediaLinks, MediaStorage } from './media/storage/storage.js';
import { createPhotoRepository, type PhotoRecord } from './photos/photo-repository.js';
import { createPhotoService } from './photos/photo-service.js';
import { createProcessPhotoJob, PROCESS_PHOTO_JOB } from './photos/processing/process-photo-job.js';
import { sweepOrphans } from './photos/processing/sweep-orphans.js';
import { photoApiRoutes } from './photos/api/photo-api-routes.js';
import { photoRoutes } from './photos/routes.js';
import { openStagingArea } from './photos/upload/staging.js';
import { registerCsrf } from './security/csrf.js';
import { applyFallbackSecurityHeaders, registerSecurityHeaders } from './security/headers.js';
import { registerLoginRequired } from './security/login-required.js';
import { applyNeverCache, registerNeverCache } from './security/never-cache.js';
import { registerAccessLog } from './logging/access-log.js';
import { appLogController, appLoggerOptions, createLogDestination } from './logging/logger.js';
import './security/route-options.js';
import { createAlbumRepository } from './albums/album-repository.js';
import { createAlbumService } from './albums/album-service.js';
import { albumApiRoutes, albumShareTarget } from './albums/api/album-api-routes.js';
import { renderPhotoAlbumsSection } from './albums/photo-albums-section.js';
import { albumRoutes } from './albums/routes.js';
import { createShareRepository } from './shares/share-repository.js';
import { renderPhotoShareSection } from './shares/share-section.js';
import { createShareService } from './shares/share-service.js';
import { photoShareTarget, shareApiRoutes } from './shares/api/share-api-routes.js';
import { shareRoutes } from './shares/routes.js';
import { registerHttpTelemetry } from './telemetry/http-telemetry.js';
import { withModerationMetrics, withScanMetrics } from './telemetry/measured-media.js';
import { observeJobQueues, recordAuthFailure, recordCsrfRejection } from './telemetry/metrics.js';
import { accountSecurityEvents } from './telemetry/security-events.js';
import { currentTraceParent } from './telemetry/trace-parent.js';
import { parseQueryString, parseUrlEncoded, registerQueryStringCheck } from './web/forms.js';
import { healthRoutes } from './web/health-routes.js';
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

  const logDestination = options.logger === undefined ? createLogDestination() : undefined;
  const app = Fastify({
    logger: logDestination ? appLoggerOptions(config, logDestination) : options.logger,
    // Request ids are ours, never the client's, so logs cannot be forged through them.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    logController: appLogController(),
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: FORM_BODY_LIMIT,
    // Slow clients (OWASP: slowloris, slow POST): headers must arrive within headersTimeout and the
    // whole request within requestTimeout, checked every second (Node checks every 30 s by default).
    // No connection cap: a cap is exactly what a slowloris fills, locking everyone else out.
    http: { headersTimeout: config.http.headersTimeoutMs, connectionsCheckingInterval: 1000 },
    requestTimeout: config.http.requestTimeoutMs,
    // The query string is parsed once, by the strict parser (registerQueryStringCheck answers 400).
    routerOptions: { maxParamLength: 200, querystringParser: parseQueryString },
    return503OnClosing: true,
    // Malformed URLs (bad percent-encoding, bad UTF-8) are answered by the same error mapper.
    frameworkErrors: (error, request, reply) => {
      request.log.info({ errCode: error.code }, 'malformed request');
      request.server.traceRefusedRequest(request, reply);
      // No hook runs for these: the security and never-cache headers are set here instead.
      applyFallbackSecurityHeaders(request, reply);
      applyNeverCache(reply);
      sendError(request, reply, { code: 'bad_request', status: 400, detail: 'The address is malformed.' });
    },
  });

  if (logDestination) registerAccessLog(app, logDestination);
  await registerApp(app, config, db, secretKey);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The background job worker (tests drain it; `src/worker.ts` runs one alone). */
    jobWorker: JobWorker;
  }
}

const DAY_MS = 24 * 60 * 60_000;

interface OpenedStorage {
  readonly storage: MediaStorage;
  /** MEDIA_DELIVERY=redirect (only valid with S3): owners' media answer with a signed link. */
  readonly links: MediaLinks | undefined;
  readonly close: () => void;
}

/** S3_BUCKET set: the bucket, checked now (a bad setting stops start-up); otherwise DATA_DIR/media. */
async function openMediaStorage(config: AppConfig): Promise<OpenedStorage> {
  if (!config.s3) return { storage: await LocalStorage.open(path.join(config.dataDir, 'media')), links: undefined, close: () => {} };
  const s3 = await S3Storage.open(config.s3);
  return { storage: s3, links: config.mediaDelivery === 'redirect' ? s3 : undefined, close: () => s3.close() };
}

/** Storage, scanner, moderation model, the photo service and the job worker that processes uploads. */
async function createMedia(app: FastifyInstance, config: AppConfig, db: Db, storage: MediaStorage, chores: readonly HousekeepingTask[]) {
  // libvips' operation cache would keep staged uploads open after they are deleted.
  sharp.cache(false);
  const stagingDir = await openStagingArea(config.dataDir);
  const scanner = withScanMetrics(createScanner({
    clamavHost: config.scanner.clamavHost,
    clamavPort: config.scanner.clamavPort,
    clamavSocket: config.scanner.clamavSocket,
    clamavMaxStreamBytes: config.scanner.maxStreamBytes,
    timeoutMs: config.scanner.timeoutMs,
  }));
  const moderator = config.moderation.enabled ? withModerationMetrics(new WorkerThreadModerator({ threshold: config.moderation.threshold }, { idleStopMs: config.moderation.idleStopSeconds * 1000 })) : null;
  const photos = createPhotoRepository(db);
  const jobs = createJobRepository(db);
  const captions = createCaptionAgent({ config: config.caption, db, jobs, storage, log: app.log, notifyWorker: () => worker.notify() });
  const handlers = {
    [PROCESS_PHOTO_JOB]: createProcessPhotoJob({
      photos,
      storage,
      scanner,
      moderator,
      stagingDir,
      maxPixels: config.upload.maxPixels,
      maxBytes: config.upload.maxBytes,
      scannerRetryMs: config.scanner.retrySeconds * 1000,
      log: app.log,
      onFinished: (photoId, status) => captions.onPhotoFinished(photoId, status),
    }),
    [CAPTION_PHOTO_JOB]: captions.handler,
    [HOUSEKEEPING_JOB]: createHousekeepingJob(
      [
        ...chores,
        { name: 'orphaned files', run: () => sweepOrphans(photos, storage, stagingDir, app.log) },
        {
          name: 'job retention',
          run: () => jobs.deleteFinished(Date.now() - config.worker.retentionDays * DAY_MS, Date.now() - config.worker.failedRetentionDays * DAY_MS),
        },
      ],
      app.log,
    ),
  };
  // Each kind is its own queue: a stalled caption model never holds back an upload.
  const worker = createJobWorker(jobs, handlers, app.log, {
    concurrency: { [PROCESS_PHOTO_JOB]: config.worker.concurrency, [CAPTION_PHOTO_JOB]: config.worker.captionConcurrency, [HOUSEKEEPING_JOB]: 1 },
    heartbeatTimeoutMs: config.worker.heartbeatTimeoutSeconds * 1000,
  });
  app.decorate('jobWorker', worker);
  const service = createPhotoService({ photos, storage, stagingDir, notifyWorker: () => worker.notify() });
  const stopQueueGauge = observeJobQueues(Object.keys(handlers), () => jobs.countByKind(Date.now()));
  return { storage, stagingDir, scanner, photos, jobs, service, worker, stopQueueGauge };
}

async function registerApp(app: FastifyInstance, config: AppConfig, db: Db, secretKey: string): Promise<void> {
  const users = createUserRepository(db);
  const sessions = createSessionService(createSessionRepository(db), config.session);
  const throttle = createLoginThrottle(createThrottleRepository(db), config.throttle);
  const apiTokens = createApiTokenService(createApiTokenRepository(db));
  const hasher = createPasswordHasher(config.argon2);
  const shares = createShareService({ shares: createShareRepository(db), hasher, throttle });
  const albums = createAlbumService({ albums: createAlbumRepository(db) });
  const albumSection = (_request: unknown, reply: FastifyReply, photo: PhotoRecord) => renderPhotoAlbumsSection(albums, reply, photo);
  const accounts = createAccountService({
    users,
    sessions,
    throttle,
    hasher,
    events: accountSecurityEvents(app.log),
  });

  const store = await openMediaStorage(config);
  registerHttpTelemetry(app);
  await app.register(fastifyCookie, { secret: secretKey, hook: 'onRequest' });
  await app.register(fastifyFormbody, { bodyLimit: FORM_BODY_LIMIT, parser: (body) => parseUrlEncoded(body) });
  // Redirected media come from the storage's origin: pages' <img> must be allowed to follow there.
  await registerSecurityHeaders(app, { imgSources: store.links ? [await store.links.linkOrigin()] : [] });
  registerQueryStringCheck(app);
  registerSessionLoading(app, sessions);
  registerBearerAuthentication(app, apiTokens, {
    onReject: (request) => {
      request.log.warn({ event: 'api_token_rejected' }, 'API token refused');
      recordAuthFailure('api_token', 'rejected');
    },
  });
  registerLoginRequired(app);
  registerCsrf(app, {
    secretKey,
    onReject: (request, reason) => {
      request.log.warn({ event: 'csrf_rejected', reason }, 'CSRF check failed');
      recordCsrfRejection(reason);
    },
  });
  registerNeverCache(app, config.neverCachePrefixes);
  registerErrorHandling(app);

  const media = await createMedia(app, config, db, store.storage, [
    { name: 'expired sessions', run: () => sessions.purgeExpired() },
    { name: 'stale throttles', run: () => throttle.purgeStale() },
  ]);

  await app.register(staticFiles);
  await app.register(healthRoutes, {
    checks: [
      { name: 'database', required: true, check: () => pingDatabase(db) },
      { name: 'storage', required: true, check: () => media.storage.ping() },
      // Not required: with the scanner down, uploads wait as pending_scan (fail closed) and pages still serve.
      { name: 'scanner', required: false, check: () => media.scanner.ping() },
    ],
  });
  await app.register(landingRoutes);
  await app.register(accountRoutes, { accounts, sessions, apiTokens, signupsPerWindow: config.throttle.signupsPerWindow });
  await app.register(photoRoutes, {
    service: media.service,
    stagingDir: media.stagingDir,
    maxBytes: config.upload.maxBytes,
    maxPixels: config.upload.maxPixels,
    traceParentOf: () => currentTraceParent(),
    renderPhotoSections: async (request, reply, photo) => [await albumSection(request, reply, photo), await renderPhotoShareSection(shares, reply, photo)],
    mediaLinks: store.links,
  });
  await app.register(shareRoutes, { photos: media.service, shares, photoSections: albumSection, albums });
  await app.register(albumRoutes, { albums, shares });
  await app.register(apiRoutes, {
    apiTokens,
    features: [
      photoApiRoutes({
        service: media.service,
        stagingDir: media.stagingDir,
        maxBytes: config.upload.maxBytes,
        maxPixels: config.upload.maxPixels,
        traceParentOf: () => currentTraceParent(),
        mediaLinks: store.links,
      }),
      albumApiRoutes({ albums }),
      shareApiRoutes({ shares, targets: [photoShareTarget(media.service), albumShareTarget(albums)] }),
    ],
  });

  // What a crash left behind goes at once; later rounds run as housekeeping jobs.
  await sweepOrphans(media.photos, media.storage, media.stagingDir, app.log);
  let stopHousekeeping = () => {};
  app.addHook('onReady', async () => {
    if (config.worker.inProcess) await media.worker.start();
    stopHousekeeping = scheduleHousekeeping(media.jobs, { intervalMs: MAINTENANCE_INTERVAL_MS, notify: () => media.worker.notify(), log: app.log });
  });
  app.addHook('onClose', async () => {
    stopHousekeeping();
    await media.worker.stop();
    media.stopQueueGauge();
    store.close();
    await db.destroy();
  });
}
