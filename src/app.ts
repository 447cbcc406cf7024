import { randomUUID } from 'node:crypto';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { createAccountService } from './accounts/account-service.js';
import { createApiTokenRepository } from './accounts/api-tokens/api-token-repository.js';
import { createApiTokenService } from './accounts/api-tokens/api-token-service.js';
import { createPasswordHasher } from './accounts/password/hashing.js';
import { accountApiRoutes } from './accounts/api/account-api-routes.js';
import { accountDataApiRoutes } from './accounts/api/account-data-api-routes.js';
import { createAccountDataJobs } from './accounts/account-data-jobs.js';
import { accountDeletionRoutes } from './accounts/deletion/account-deletion-routes.js';
import { exportRoutes } from './accounts/export/export-routes.js';
import { createIdentityCheck } from './accounts/passkeys/confirm-identity.js';
import { passkeyApiRoutes } from './accounts/passkeys/passkey-api-routes.js';
import { passkeyLoginRoutes } from './accounts/passkeys/passkey-login-routes.js';
import { passkeyPageRoutes } from './accounts/passkeys/passkey-page-routes.js';
import { createPasskeyRepository } from './accounts/passkeys/passkey-repository.js';
import { createPasskeyService } from './accounts/passkeys/passkey-service.js';
import { relyingPartyFor } from './accounts/passkeys/relying-party.js';
import { passwordChangeRoutes } from './accounts/password-change/password-change-routes.js';
import { passwordResetRoutes } from './accounts/password-reset/password-reset-routes.js';
import { createPasswordServices } from './accounts/password-services.js';
import { accountRoutes } from './accounts/routes.js';
import { sessionPageRoutes } from './accounts/sessions/session-page-routes.js';
import { createSessionRepository } from './accounts/sessions/session-repository.js';
import { registerSessionLoading } from './accounts/sessions/session-plugin.js';
import { createSessionService } from './accounts/sessions/session-service.js';
import { createLoginThrottle } from './accounts/throttle/login-throttle.js';
import { createThrottleRepository } from './accounts/throttle/throttle-repository.js';
import { createUserRepository } from './accounts/user-repository.js';
import { createSecretBox } from './accounts/two-factor/secret-box.js';
import { createTwoFactorRepository } from './accounts/two-factor/two-factor-repository.js';
import { twoFactorRoutes } from './accounts/two-factor/two-factor-routes.js';
import { createTwoFactorService } from './accounts/two-factor/two-factor-service.js';
import { createAdminRepository } from './admin/admin-repository.js';
import { adminRoutes } from './admin/admin-routes.js';
import { createModerationService } from './admin/moderation-service.js';
import { createUserAdminService, type UserAdminService } from './admin/user-admin-service.js';
import { createAuditLog } from './audit/audit-log.js';
import { createAuditRepository } from './audit/audit-repository.js';
import { createCaptionAgent } from './agent/caption-agent.js';
import { CAPTION_PHOTO_JOB } from './agent/caption-photo-job.js';
import { apiRoutes, registerBearerAuthentication } from './api/index.js';
import type { AppConfig } from './config/config.js';
import { scaleOutWarnings } from './config/scale-out.js';
import { resolveSecretKey } from './config/secret-key.js';
import { trustProxyOption } from './config/trust-proxy.js';
import { createDatabase, migrateToLatest, pingDatabase, reachDatabase, type Db } from './db/database.js';
import { registerErrorHandling, sendError } from './errors/error-handler.js';
import { createHousekeepingJob, HOUSEKEEPING_JOB, scheduleHousekeeping, type HousekeepingTask } from './jobs/housekeeping.js';
import type { JobHandler, JobQueue } from './jobs/job-queue.js';
import { createTableJobQueue } from './jobs/table-queue.js';
import { WorkerThreadModerator } from './media/moderation/worker-moderator.js';
import { createScanner } from './media/scanner/create-scanner.js';
import { LocalStorage } from './media/storage/local-storage.js';
import type { S3StagedObjects } from './media/storage/s3-staged-objects.js';
import type { MediaLinks, MediaStorage } from './media/storage/storage.js';
import { createPhotoRepository, type PhotoRecord } from './photos/photo-repository.js';
import { createPhotoService, type PhotoServiceDeps } from './photos/photo-service.js';
import { PROCESS_PHOTO_JOB } from './photos/processing/photo-job.js';
import { loadPhotoProcessing } from './photos/processing/photo-processing.js';
import { enqueueUnfinishedPhotos } from './photos/processing/reconcile-photo-jobs.js';
import { sweepOrphans } from './photos/processing/sweep-orphans.js';
import { photoApiRoutes } from './photos/api/photo-api-routes.js';
import { photoRoutes } from './photos/routes.js';
import { openStagingArea } from './photos/upload/staging.js';
import type { RedisClients } from './runtime/redis.js';
import { registerCsrf } from './security/csrf.js';
import { applyFallbackSecurityHeaders, registerSecurityHeaders } from './security/headers.js';
import { registerLoginRequired } from './security/login-required.js';
import { applyNeverCache, registerNeverCache } from './security/never-cache.js';
import { registerAccessLog } from './logging/access-log.js';
import { appLogController, appLoggerOptions, createLogDestination, flushLogOnClose } from './logging/logger.js';
import './security/route-options.js';
import { createAlbumRepository } from './albums/album-repository.js';
import { createAlbumService } from './albums/album-service.js';
import { albumApiRoutes, albumShareTarget } from './albums/api/album-api-routes.js';
import { renderPhotoAlbumsSection } from './albums/photo-albums-section.js';
import { albumRoutes } from './albums/routes.js';
import { createShareRepository } from './shares/share-repository.js';
import { renderPhotoShareSection, revealedShare } from './shares/share-section.js';
import { createRevealSealer } from './web/one-time-reveal.js';
import { createShareService } from './shares/share-service.js';
import { photoShareTarget, shareApiRoutes } from './shares/api/share-api-routes.js';
import { shareRoutes } from './shares/routes.js';
import { createQuotaRepository } from './quotas/quota-repository.js';
import { createQuotaService } from './quotas/quota-service.js';
import { trashApiRoutes } from './trash/api/trash-api-routes.js';
import { createTrashRepository } from './trash/trash-repository.js';
import { trashRoutes } from './trash/routes.js';
import { createTrashService } from './trash/trash-service.js';
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
    await reachDatabase(db, config.database);
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

  if (logDestination) {
    registerAccessLog(app, logDestination);
    flushLogOnClose(app, logDestination);
  }
  for (const warning of scaleOutWarnings(config)) app.log.warn({ event: 'scale_out_setup', setting: warning.setting }, warning.message);
  await registerApp(app, config, db, secretKey);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The job queue and this process's worker on it (tests drain it; `src/worker.ts` runs one alone). */
    jobWorker: JobQueue;
  }
}

const DAY_MS = 24 * 60 * 60_000;

interface OpenedStorage {
  readonly storage: MediaStorage;
  /** MEDIA_DELIVERY=redirect (only valid with S3): owners' media answer with a signed link. */
  readonly links: MediaLinks | undefined;
  /** With S3: staged uploads go to the bucket too, so a worker on another machine can read them. */
  readonly stagedObjects: S3StagedObjects | undefined;
  readonly close: () => void;
}

/** S3_BUCKET set: the bucket, checked now (a bad setting stops start-up); otherwise DATA_DIR/media. */
async function openMediaStorage(config: AppConfig): Promise<OpenedStorage> {
  if (!config.s3) return { storage: await LocalStorage.open(path.join(config.dataDir, 'media')), links: undefined, stagedObjects: undefined, close: () => {} };
  // Loaded only here: the AWS SDK is ~6 MB of heap and ~30 MB of RSS (its code) that a process
  // storing media on the local disk never needs.
  const { S3Storage } = await import('./media/storage/s3-storage.js');
  const s3 = await S3Storage.open(config.s3);
  return { storage: s3, links: config.mediaDelivery === 'redirect' ? s3 : undefined, stagedObjects: s3.stagedObjects(), close: () => s3.close() };
}

/**
 * REDIS_URL set: BullMQ on Redis (scale-out); otherwise the `jobs` table of the app's database.
 * BullMQ and ioredis are imported only then, so the embedded default loads neither.
 */
async function openJobQueue(config: AppConfig, db: Db, redis: RedisClients | undefined, handlers: Record<string, JobHandler>, log: FastifyInstance['log']): Promise<JobQueue> {
  // Each kind is its own queue: a stalled caption model never holds back an upload.
  const concurrency = { [PROCESS_PHOTO_JOB]: config.worker.concurrency, [CAPTION_PHOTO_JOB]: config.worker.captionConcurrency, [HOUSEKEEPING_JOB]: 1 };
  const heartbeatTimeoutMs = config.worker.heartbeatTimeoutSeconds * 1000;
  if (!redis || !config.redis) return createTableJobQueue(db, handlers, log, { concurrency, heartbeatTimeoutMs });
  const { createBullMqJobQueue } = await import('./jobs/bullmq-queue.js');
  return createBullMqJobQueue(handlers, log, {
    db,
    redis,
    prefix: config.redis.keyPrefix,
    concurrency,
    heartbeatTimeoutMs,
    retention: { doneMs: config.worker.retentionDays * DAY_MS, failedMs: config.worker.failedRetentionDays * DAY_MS },
  });
}

/** Jobs of other features that run on the same queue, and storage keys they own (the orphan sweep keeps those). */
interface OtherJobs {
  readonly handlers: Record<string, JobHandler>;
  readonly otherOwners: (ids: readonly string[]) => Promise<Set<string>>;
}

/** Storage, scanner, moderation model, the photo service and the job queue that processes uploads. */
async function createMedia(
  app: FastifyInstance,
  config: AppConfig,
  db: Db,
  redis: RedisClients | undefined,
  store: OpenedStorage,
  chores: readonly HousekeepingTask[],
  checkQuota: NonNullable<PhotoServiceDeps['checkQuota']>,
  other: OtherJobs,
) {
  const storage = store.storage;
  const staging = await openStagingArea(config.stagingDir, store.stagedObjects);
  const scanner = withScanMetrics(createScanner({
    clamavHost: config.scanner.clamavHost,
    clamavPort: config.scanner.clamavPort,
    clamavSocket: config.scanner.clamavSocket,
    clamavMaxStreamBytes: config.scanner.maxStreamBytes,
    timeoutMs: config.scanner.timeoutMs,
  }));
  const moderator = config.moderation.enabled ? withModerationMetrics(new WorkerThreadModerator({ threshold: config.moderation.threshold }, { idleStopMs: config.moderation.idleStopSeconds * 1000 })) : null;
  const photos = createPhotoRepository(db);
  // The handlers queue follow-up jobs on the queue they are registered with (created below).
  const enqueue: JobQueue['enqueue'] = (job) => queue.enqueue(job);
  const captions = createCaptionAgent({ config: config.caption, db, queue: { enqueue }, storage, log: app.log });
  const reconcile = (): Promise<number> => enqueueUnfinishedPhotos(photos, { enqueue }, app.log);
  // A web-only instance (WORKER_IN_PROCESS=false) loads no image decoder: see photo-processing.ts.
  const processing = await loadPhotoProcessing(config.worker.inProcess, {
    photos,
    storage,
    scanner,
    moderator,
    staging,
    maxPixels: config.upload.maxPixels,
    maxBytes: config.upload.maxBytes,
    scannerRetryMs: config.scanner.retrySeconds * 1000,
    log: app.log,
    onFinished: (photoId, status) => captions.onPhotoFinished(photoId, status),
  });
  const handlers = {
    [PROCESS_PHOTO_JOB]: processing.handler,
    [CAPTION_PHOTO_JOB]: captions.handler,
    [HOUSEKEEPING_JOB]: createHousekeepingJob(
      [
        ...chores,
        { name: 'orphaned files', run: () => sweepOrphans(photos, storage, staging, app.log, { otherOwners: other.otherOwners }) },
        { name: 'job retention', run: () => queue.purgeFinished(Date.now() - config.worker.retentionDays * DAY_MS, Date.now() - config.worker.failedRetentionDays * DAY_MS) },
        // Only BullMQ, outside the database, can miss a photo's job (see reconcile-photo-jobs.ts).
        ...(config.redis ? [{ name: 'photo jobs', run: reconcile }] : []),
      ],
      app.log,
    ),
    ...other.handlers,
  };
  const queue = await openJobQueue(config, db, redis, handlers, app.log);
  app.decorate('jobWorker', queue);
  const service = createPhotoService({ photos, storage, staging, queue, checkQuota });
  const stopQueueGauge = observeJobQueues(Object.keys(handlers), () => queue.counts());
  return { storage, staging, scanner, photos, queue, service, reconcile, stopQueueGauge, validateUpload: processing.validate };
}

async function registerApp(app: FastifyInstance, config: AppConfig, db: Db, secretKey: string): Promise<void> {
  const users = createUserRepository(db, { newUserQuotaBytes: config.userQuotaBytes });
  const quotas = createQuotaService(createQuotaRepository(db));
  const sessions = createSessionService(createSessionRepository(db), config.session);
  const throttle = createLoginThrottle(createThrottleRepository(db), config.throttle);
  const apiTokens = createApiTokenService(createApiTokenRepository(db));
  const hasher = createPasswordHasher(config.argon2);
  const passkeys = createPasskeyService({ repository: createPasskeyRepository(db), handleKey: secretKey });
  const hasPasskey = (userId: string) => passkeys.hasAny(userId);
  // PUBLIC_URL names the relying party; without it only development, tests and localhost use the request's host.
  const relyingParty = { publicUrl: config.publicUrl, trustRequestHost: config.env !== 'production' };
  const shares = createShareService({ shares: createShareRepository(db), hasher, throttle });
  const albums = createAlbumService({ albums: createAlbumRepository(db) });
  const albumSection = (_request: unknown, reply: FastifyReply, photo: PhotoRecord) => renderPhotoAlbumsSection(albums, reply, photo);
  const accounts = createAccountService({
    users,
    sessions,
    throttle,
    hasher,
    events: accountSecurityEvents(app.log),
    hasPasskey,
  });
  const audit = createAuditLog(createAuditRepository(db), app.log);
  // TOTP secrets are encrypted at rest under a key derived from SECRET_KEY (see secret-box.ts).
  const twoFactor = createTwoFactorService({ repository: createTwoFactorRepository(db), users, throttle, hasher, sessions, secretBox: createSecretBox(secretKey, 'totp secret') });
  const passwords = createPasswordServices({ db, users, sessions, hasher, loginThrottle: throttle, mail: config.mail, log: app.log });

  const adminRepository = createAdminRepository(db);
  const userAdmin = createUserAdminService({
    repository: adminRepository,
    audit,
    hasher,
    endSessions: (userId) => sessions.endAll(userId),
    resetTwoFactor: async (userId) => {
      await twoFactor.reset(userId);
      await passkeys.removeAll(userId);
    },
    setQuota: (userId, bytes) => quotas.setQuota(userId, bytes),
  });
  if (config.adminUsername !== undefined) await promoteAtStartup(app, userAdmin, config.adminUsername);

  const reveals = createRevealSealer(secretKey);
  const store = await openMediaStorage(config);
  // REDIS_URL: checked now, so a wrong or unreachable one stops start-up naming it.
  const redis = config.redis ? await (await import('./runtime/redis.js')).connectRedis(config.redis.url) : undefined;
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

  const accountData = await createAccountDataJobs({ config, db, storage: store.storage, stagedObjects: store.stagedObjects, audit, log: app.log });
  const trashRepository = createTrashRepository(db);
  const media = await createMedia(
    app,
    config,
    db,
    redis,
    store,
    [
      { name: 'expired sessions', run: () => sessions.purgeExpired() },
      { name: 'stale throttles', run: () => throttle.purgeStale() },
      { name: 'expired login challenges', run: () => twoFactor.purgeExpired() },
      { name: 'expired passkey challenges', run: () => passkeys.purgeExpired() },
      { name: 'expired password-reset links', run: () => passwords.resets.purgeExpired() },
      // Runs in housekeeping rounds only, after start-up, when `trash` below exists.
      { name: 'expired trash', run: () => trash.purgeExpired() },
      ...accountData.chores,
    ],
    (ownerId, bytes, trx) => quotas.checkRoom(ownerId, bytes, trx),
    accountData,
  );
  const accountDataServices = accountData.services(media.queue, { users, hasher, throttle, twoFactor });
  const trash = createTrashService({ trash: trashRepository, photos: media.service, retentionDays: config.trashRetentionDays });

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
  const limiterStore = redis && config.redis ? { redis: redis.commands, nameSpace: config.redis.keyPrefix } : undefined;
  await app.register(accountRoutes, {
    accounts,
    sessions,
    apiTokens,
    reveals,
    twoFactor,
    audit,
    storageUsage: (userId) => quotas.usageOf(userId),
    signupsPerWindow: config.throttle.signupsPerWindow,
    passkeysAvailable: (request) => relyingPartyFor(request, relyingParty) !== null,
    limiterStore,
  });
  await app.register(twoFactorRoutes, { twoFactor, sessions, audit, hasPasskey });
  const confirmIdentity = createIdentityCheck({ users, hasher, throttle, checkCode: (userId, code, address) => twoFactor.checkCode(userId, code, address) });
  await app.register(passkeyPageRoutes, {
    passkeys,
    audit,
    relyingParty,
    confirmIdentity,
    totpEnabled: async (userId) => (await twoFactor.status(userId)).enabled,
  });
  await app.register(passkeyLoginRoutes, { passkeys, twoFactor, sessions, audit, relyingParty, throttle, limiterStore });
  await app.register(passwordChangeRoutes, { passwordChange: passwords.passwordChange, sessions, audit });
  await app.register(passwordResetRoutes, { resets: passwords.resets, audit });
  await app.register(sessionPageRoutes, { sessions });
  await app.register(accountDeletionRoutes, { deletion: accountDataServices.deletion, audit });
  await app.register(exportRoutes, { exports: accountDataServices.exports, audit, retentionHours: config.exportRetentionHours });
  await app.register(photoRoutes, {
    service: media.service,
    stagingDir: media.staging.dir,
    maxBytes: config.upload.maxBytes,
    maxPixels: config.upload.maxPixels,
    validate: media.validateUpload,
    maxFiles: config.upload.maxFiles,
    traceParentOf: () => currentTraceParent(),
    renderPhotoSections: async (request, reply, photo) => {
      const created = await revealedShare(shares, request, reply, reveals, photo.owner_id, { kind: 'photo', id: photo.id });
      return [await albumSection(request, reply, photo), await renderPhotoShareSection(shares, reply, photo, created ? { created } : {})];
    },
    mediaLinks: store.links,
    albumNeighbours: (ownerId, albumId, photoId) => albums.neighbours(ownerId, albumId, photoId),
  });
  await app.register(trashRoutes, { trash });
  await app.register(shareRoutes, { photos: media.service, shares, reveals, photoSections: albumSection, albums });
  await app.register(albumRoutes, { albums, shares, reveals });
  const moderation = createModerationService({
    repository: adminRepository,
    audit,
    storage: media.storage,
    openMedia: (photo, variant) => media.service.openMedia(photo, variant),
    findPhoto: (id) => media.photos.findById(id),
  });
  await app.register(adminRoutes, { users: userAdmin, moderation, audit });
  await app.register(apiRoutes, {
    apiTokens,
    features: [
      photoApiRoutes({
        service: media.service,
        stagingDir: media.staging.dir,
        maxBytes: config.upload.maxBytes,
        maxPixels: config.upload.maxPixels,
        validate: media.validateUpload,
        traceParentOf: () => currentTraceParent(),
        mediaLinks: store.links,
      }),
      albumApiRoutes({ albums }),
      trashApiRoutes({ trash, photos: media.service }),
      shareApiRoutes({ shares, targets: [photoShareTarget(media.service), albumShareTarget(albums)] }),
      accountApiRoutes({ passwordChange: passwords.passwordChange, sessions, audit }),
      accountDataApiRoutes({ exports: accountDataServices.exports, deletion: accountDataServices.deletion, audit, retentionHours: config.exportRetentionHours }),
      passkeyApiRoutes({ passkeys, audit, confirmIdentity, twoFactorStatus: (userId) => twoFactor.status(userId) }),
    ],
  });

  // What a crash left behind goes at once; later rounds run as housekeeping jobs.
  await sweepOrphans(media.photos, media.storage, media.staging, app.log, { otherOwners: accountData.otherOwners });
  // A queue outside the database: photos whose job a crash or an outage lost get it now.
  if (!media.queue.transactional) await media.reconcile();
  let stopHousekeeping = () => {};
  app.addHook('onReady', async () => {
    if (config.worker.inProcess) await media.queue.start();
    stopHousekeeping = scheduleHousekeeping(media.queue, { intervalMs: MAINTENANCE_INTERVAL_MS, log: app.log });
  });
  app.addHook('onClose', async () => {
    stopHousekeeping();
    await media.queue.close();
    media.stopQueueGauge();
    // Reset mail already promised to a user goes out before the process stops.
    await passwords.outbox?.drain();
    passwords.outbox?.close();
    await redis?.close();
    store.close();
    await db.destroy();
  });
}

/** ADMIN_USERNAME: the operator's first admin, promoted (and audited) at each start while it is not one. */
async function promoteAtStartup(app: FastifyInstance, users: UserAdminService, username: string): Promise<void> {
  const user = await users.findByUsername(username);
  if (!user) {
    app.log.warn({ event: 'admin_username_unknown' }, 'ADMIN_USERNAME names no user yet; sign up with that name and restart');
    return;
  }
  if (user.role === 'admin') return;
  await users.promote(user.id, { party: { name: 'ADMIN_USERNAME' } });
  app.log.info({ event: 'admin_promoted', user_id: user.id }, 'ADMIN_USERNAME promoted to admin');
}
