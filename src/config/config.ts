import { isIP, isIPv4 } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseEnv, type EnvReader } from './env-parsers.js';
import { parseRedis, type RedisConfig } from './redis-config.js';
import { parseMail, parseOptionalPublicUrl, type MailConfig } from './mail-config.js';
import { parseMediaDelivery, parseS3, type MediaDelivery, type S3Config } from './s3-config.js';
import { requireScaleOutSettings } from './scale-out.js';

export type DatabaseConfig =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | { readonly dialect: 'postgres'; readonly url: string };

export interface Argon2Config {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

export interface ThrottleConfig {
  /** Failures for one account before it is locked. */
  readonly accountMaxFailures: number;
  /** Failures from one client address before it is locked. */
  readonly addressMaxFailures: number;
  /** First lockout; each further failure while over the limit doubles it. */
  readonly baseLockoutSeconds: number;
  readonly maxLockoutSeconds: number;
  /** Failures older than this are forgotten. */
  readonly windowSeconds: number;
  /** Sign-up attempts per client address per 10 minutes (each may cost a slow strength check and a hash). */
  readonly signupsPerWindow: number;
}

export interface SessionConfig {
  readonly idleTimeoutSeconds: number;
  readonly absoluteTimeoutSeconds: number;
}

export interface UploadConfig {
  readonly maxBytes: number;
  /** Largest width × height accepted (decompression-bomb defence). */
  readonly maxPixels: number;
  /** Files in one form post (the `multiple` file input); each is held to maxBytes. */
  readonly maxFiles: number;
}

/** Slow-client limits of the HTTP server. */
export interface HttpConfig {
  /** Time for a request's headers to arrive in full (slowloris defence). */
  readonly headersTimeoutMs: number;
  /** Time for a whole request, body included (a 10 MB upload on a slow link must fit). */
  readonly requestTimeoutMs: number;
}

export interface ScannerConfig {
  readonly clamavHost: string | undefined;
  readonly clamavPort: number | undefined;
  readonly clamavSocket: string | undefined;
  /** clamd's StreamMaxLength: larger files are refused before sending (Debian's default is 25M). */
  readonly maxStreamBytes: number | undefined;
  readonly timeoutMs: number;
  /** How long a photo waits before its next try while the scanner is unreachable. */
  readonly retrySeconds: number;
}

export interface ModerationConfig {
  readonly enabled: boolean;
  readonly threshold: number;
  /** Seconds without a classification after which the model's thread exits and frees its memory (0: never). */
  readonly idleStopSeconds: number;
}

export interface WorkerConfig {
  /** Run the job worker inside the web process (default) or only in `src/worker.ts` processes. */
  readonly inProcess: boolean;
  /** Photo-processing jobs at once (per process). */
  readonly concurrency: number;
  /** Caption-agent jobs at once (per process): their own queue, so a slow model never delays uploads. */
  readonly captionConcurrency: number;
  /** A worker that has not renewed its jobs' leases for this long is taken for dead; its jobs run elsewhere. */
  readonly heartbeatTimeoutSeconds: number;
  /** Finished jobs are deleted after this many days, failed ones after `failedRetentionDays`. */
  readonly retentionDays: number;
  readonly failedRetentionDays: number;
}

/** The caption agent's OpenAI-compatible chat model (OpenAI, Ollama, vLLM, llama.cpp's server). */
export interface CaptionConfig {
  /** CAPTION_MODEL; undefined turns the agent off. */
  readonly model: string | undefined;
  /** OPENAI_BASE_URL, e.g. http://127.0.0.1:11434/v1 for Ollama; undefined means OpenAI. */
  readonly baseUrl: string | undefined;
  /** OPENAI_API_KEY; never logged or traced. */
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
}

export interface AppConfig {
  readonly env: 'production' | 'development' | 'test';
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** STAGING_DIR (default DATA_DIR/uploads): uploads waiting for their job when media are on disk; shared by every machine in scale-out. */
  readonly stagingDir: string;
  readonly database: DatabaseConfig;
  /** Passed to Fastify's trustProxy: false, true, a hop count, or a list of addresses/CIDRs. */
  readonly trustProxy: boolean | number | readonly string[];
  /** SECRET_KEY when given; otherwise undefined and the key is read from (or created in) DATA_DIR. */
  readonly secretKey: string | undefined;
  readonly logLevel: string;
  readonly argon2: Argon2Config;
  readonly throttle: ThrottleConfig;
  readonly session: SessionConfig;
  /** Paths under these prefixes always answer with never-cache headers. */
  readonly neverCachePrefixes: readonly string[];
  readonly upload: UploadConfig;
  readonly http: HttpConfig;
  readonly scanner: ScannerConfig;
  readonly moderation: ModerationConfig;
  readonly worker: WorkerConfig;
  readonly caption: CaptionConfig;
  /** S3_BUCKET and the AWS SDK's variables; undefined keeps media on disk under DATA_DIR/media. */
  readonly s3: S3Config | undefined;
  readonly mediaDelivery: MediaDelivery;
  /** REDIS_URL; undefined keeps jobs in the database and limiters in the process (embedded default). */
  readonly redis: RedisConfig | undefined;
  /** ADMIN_USERNAME: this user is made an admin at start-up (if the account exists). */
  readonly adminUsername: string | undefined;
  /** SMTP_URL, MAIL_FROM and PUBLIC_URL; undefined turns password reset by email off. */
  readonly mail: MailConfig | undefined;
  /** EXPORT_RETENTION_HOURS: how long a data export can be downloaded before housekeeping removes it. */
  readonly exportRetentionHours: number;
  /** TRASH_RETENTION_DAYS: days a photo stays in the Trash before the housekeeping job deletes it. */
  readonly trashRetentionDays: number;
  /** USER_QUOTA_MB in bytes: the storage quota new accounts get; undefined is no limit. */
  readonly userQuotaBytes: number | undefined;
  /** PUBLIC_URL: the origin users reach photovault at (mail links, the passkeys' relying party). */
  readonly publicUrl: string | undefined;
  /**
   * MEDIA_TRACES_SAMPLE_RATIO (see readMediaTracesSampleRatio). The telemetry bootstrap reads it
   * before the app loads; it is checked here too, so a bad value stops start-up with or without telemetry.
   */
  readonly mediaTracesSampleRatio: number;
}

/**
 * Every environment variable loadConfig reads, for deployment files and their tests
 * (test/config/config-names.test.ts checks this list against what loadConfig actually reads).
 * OpenTelemetry's standard OTEL_* variables are read by the SDK, not here.
 */
export const CONFIG_ENV_NAMES: readonly string[] = Object.freeze([
  'NODE_ENV', 'PORT', 'HOST', 'DATA_DIR', 'STAGING_DIR', 'DATABASE_URL', 'TRUST_PROXY', 'SECRET_KEY', 'LOG_LEVEL',
  'ARGON2_MEMORY_KIB', 'ARGON2_ITERATIONS', 'ARGON2_PARALLELISM',
  'LOGIN_ACCOUNT_MAX_FAILURES', 'LOGIN_ADDRESS_MAX_FAILURES', 'LOGIN_LOCKOUT_SECONDS', 'LOGIN_MAX_LOCKOUT_SECONDS',
  'LOGIN_FAILURE_WINDOW_SECONDS', 'SIGNUP_RATE_LIMIT',
  'SESSION_IDLE_TIMEOUT_SECONDS', 'SESSION_ABSOLUTE_TIMEOUT_SECONDS', 'NEVER_CACHE_PREFIXES',
  'UPLOAD_MAX_BYTES', 'UPLOAD_MAX_PIXELS', 'UPLOAD_MAX_FILES',
  'HTTP_HEADERS_TIMEOUT_SECONDS', 'HTTP_REQUEST_TIMEOUT_SECONDS',
  'CLAMAV_HOST', 'CLAMAV_PORT', 'CLAMAV_SOCKET', 'CLAMAV_MAX_STREAM_BYTES', 'CLAMAV_TIMEOUT_MS', 'CLAMAV_RETRY_SECONDS',
  'MODERATION_ENABLED', 'MODERATION_THRESHOLD', 'MODERATION_IDLE_STOP_SECONDS',
  'WORKER_IN_PROCESS', 'WORKER_CONCURRENCY', 'CAPTION_CONCURRENCY', 'JOB_HEARTBEAT_TIMEOUT_SECONDS',
  'JOB_RETENTION_DAYS', 'JOB_FAILED_RETENTION_DAYS',
  'CAPTION_MODEL', 'OPENAI_BASE_URL', 'OPENAI_API_KEY', 'CAPTION_TIMEOUT_MS',
  'S3_BUCKET', 'S3_PREFIX', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'S3_FORCE_PATH_STYLE',
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'S3_TIMEOUT_MS', 'MEDIA_DELIVERY',
  'REDIS_URL', 'REDIS_KEY_PREFIX', 'ADMIN_USERNAME', 'SMTP_URL', 'MAIL_FROM', 'PUBLIC_URL',
  'TRASH_RETENTION_DAYS', 'USER_QUOTA_MB', 'EXPORT_RETENTION_HOURS', 'MEDIA_TRACES_SAMPLE_RATIO',
]);

/**
 * MEDIA_TRACES_SAMPLE_RATIO: the share of photo-variant GETs (thumbnails, display images,
 * originals) that get a trace; pages, API calls and jobs are always traced and every request is
 * counted in the metrics (see src/telemetry/media-sampler.ts). 1 traces them all, 0 none.
 */
export function readMediaTracesSampleRatio(read: EnvReader): number {
  return read.number('MEDIA_TRACES_SAMPLE_RATIO', 0.01, { min: 0, max: 1 });
}

/**
 * Parses the environment once into a typed, frozen configuration.
 * A bad value throws a ConfigError naming the variable, which stops start-up.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  return parseEnv(env, (read: EnvReader): AppConfig => {
    const dataDir = path.resolve(read.string('DATA_DIR', './data'));
    const s3 = parseS3(read);
    const config: AppConfig = {
      env: read.oneOf('NODE_ENV', ['production', 'development', 'test'] as const, 'production'),
      port: read.integer('PORT', 3000, { min: 0, max: 65535 }),
      host: read.string('HOST', '127.0.0.1'),
      dataDir,
      stagingDir: path.resolve(dataDir, read.string('STAGING_DIR', 'uploads')),
      database: parseDatabaseUrl(read, dataDir),
      trustProxy: parseTrustProxy(read),
      secretKey: read.optionalSecret('SECRET_KEY', 32),
      logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
      argon2: {
        // OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 is the floor.
        memoryKiB: read.integer('ARGON2_MEMORY_KIB', 19456, { min: 19456, max: 4_194_304 }),
        iterations: read.integer('ARGON2_ITERATIONS', 2, { min: 2, max: 100 }),
        parallelism: read.integer('ARGON2_PARALLELISM', 1, { min: 1, max: 16 }),
      },
      throttle: {
        accountMaxFailures: read.integer('LOGIN_ACCOUNT_MAX_FAILURES', 5, { min: 1, max: 1000 }),
        addressMaxFailures: read.integer('LOGIN_ADDRESS_MAX_FAILURES', 20, { min: 1, max: 100_000 }),
        baseLockoutSeconds: read.integer('LOGIN_LOCKOUT_SECONDS', 30, { min: 1, max: 86_400 }),
        maxLockoutSeconds: read.integer('LOGIN_MAX_LOCKOUT_SECONDS', 3600, { min: 1, max: 604_800 }),
        windowSeconds: read.integer('LOGIN_FAILURE_WINDOW_SECONDS', 3600, { min: 1, max: 604_800 }),
        signupsPerWindow: read.integer('SIGNUP_RATE_LIMIT', 20, { min: 1, max: 1_000_000 }),
      },
      session: {
        idleTimeoutSeconds: read.integer('SESSION_IDLE_TIMEOUT_SECONDS', 86_400, { min: 60, max: 31_536_000 }),
        absoluteTimeoutSeconds: read.integer('SESSION_ABSOLUTE_TIMEOUT_SECONDS', 1_209_600, { min: 60, max: 31_536_000 }),
      },
      neverCachePrefixes: read.list('NEVER_CACHE_PREFIXES', ['/accounts/', '/photos/', '/albums/', '/api/', '/s/']),
      upload: {
        maxBytes: read.integer('UPLOAD_MAX_BYTES', 10 * 1024 * 1024, { min: 1024, max: 1024 * 1024 * 1024 }),
        maxPixels: read.integer('UPLOAD_MAX_PIXELS', 40_000_000, { min: 10_000, max: 268_402_689 }),
        maxFiles: read.integer('UPLOAD_MAX_FILES', 50, { min: 1, max: 500 }),
      },
      http: parseHttp(read),
      scanner: {
        clamavHost: read.optionalString('CLAMAV_HOST'),
        clamavPort: read.optionalInteger('CLAMAV_PORT', { min: 1, max: 65535 }),
        clamavSocket: read.optionalString('CLAMAV_SOCKET'),
        maxStreamBytes: read.optionalInteger('CLAMAV_MAX_STREAM_BYTES', { min: 1024, max: 4 * 1024 * 1024 * 1024 }),
        timeoutMs: read.integer('CLAMAV_TIMEOUT_MS', 30_000, { min: 100, max: 600_000 }),
        retrySeconds: read.integer('CLAMAV_RETRY_SECONDS', 30, { min: 1, max: 3600 }),
      },
      moderation: {
        enabled: read.boolean('MODERATION_ENABLED', true),
        threshold: read.number('MODERATION_THRESHOLD', 0.7, { min: 0.01, max: 1 }),
        idleStopSeconds: read.integer('MODERATION_IDLE_STOP_SECONDS', 60, { min: 0, max: 86_400 }),
      },
      worker: {
        inProcess: read.boolean('WORKER_IN_PROCESS', true),
        concurrency: read.integer('WORKER_CONCURRENCY', Math.max(1, Math.min(4, availableParallelism())), { min: 1, max: 64 }),
        captionConcurrency: read.integer('CAPTION_CONCURRENCY', 1, { min: 1, max: 64 }),
        heartbeatTimeoutSeconds: read.integer('JOB_HEARTBEAT_TIMEOUT_SECONDS', 30, { min: 3, max: 3600 }),
        retentionDays: read.number('JOB_RETENTION_DAYS', 3, { min: 0.01, max: 3650 }),
        failedRetentionDays: read.number('JOB_FAILED_RETENTION_DAYS', 30, { min: 0.01, max: 3650 }),
      },
      caption: parseCaption(read),
      s3,
      mediaDelivery: parseMediaDelivery(read, s3),
      redis: parseRedis(read),
      adminUsername: read.optionalString('ADMIN_USERNAME')?.trim() || undefined,
      mail: parseMail(read),
      exportRetentionHours: read.number('EXPORT_RETENTION_HOURS', 24, { min: 0.01, max: 24 * 365 }),
      // 0 would delete a photo the moment it is trashed: that is "Delete forever", not a Trash.
      trashRetentionDays: read.integer('TRASH_RETENTION_DAYS', 30, { min: 1, max: 3650 }),
      userQuotaBytes: megabytes(read.optionalInteger('USER_QUOTA_MB', { min: 1, max: 1_000_000_000 })),
      publicUrl: parseOptionalPublicUrl(read),
      mediaTracesSampleRatio: readMediaTracesSampleRatio(read),
    };
    requireScaleOutSettings(read, config);
    return config;
  });
}

function megabytes(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * 1024 * 1024;
}

function parseDatabaseUrl(read: EnvReader, dataDir: string): DatabaseConfig {
  const raw = read.string('DATABASE_URL', '');
  if (raw === '') return { dialect: 'sqlite', file: path.join(dataDir, 'photovault.sqlite3') };
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw read.fail('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return { dialect: 'postgres', url: raw };
  }
  const sqlite = /^(?:sqlite|file):(?:\/\/)?(.+)$/i.exec(raw);
  if (sqlite?.[1]) return { dialect: 'sqlite', file: path.resolve(dataDir, sqlite[1]) };
  throw read.fail('DATABASE_URL', 'must start with postgres://, postgresql://, sqlite: or file:');
}

// Model names as OpenAI, Ollama (llava:13b), vLLM (Qwen/Qwen2.5-VL-7B-Instruct) and llama.cpp
// (ggml-org/gemma-3-4b-it-GGUF:Q4_K_M) spell them; the name also becomes a span name.
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/;

function parseCaption(read: EnvReader): CaptionConfig {
  const model = read.optionalString('CAPTION_MODEL')?.trim();
  const baseUrl = read.optionalString('OPENAI_BASE_URL')?.trim();
  const apiKey = read.optionalString('OPENAI_API_KEY')?.trim();
  if (model !== undefined && !MODEL_NAME.test(model)) throw read.fail('CAPTION_MODEL', 'must be a model name (letters, digits and . _ : / @ + -)');
  if (baseUrl !== undefined && !/^https?:\/\/[^\s]+$/i.test(baseUrl)) throw read.fail('OPENAI_BASE_URL', 'must be an http:// or https:// URL');
  if (baseUrl !== undefined) {
    try {
      new URL(baseUrl);
    } catch {
      throw read.fail('OPENAI_BASE_URL', 'must be an http:// or https:// URL');
    }
  }
  if (model !== undefined && baseUrl === undefined && apiKey === undefined) {
    throw read.fail('CAPTION_MODEL', 'needs OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL (for a local server such as Ollama)');
  }
  return { model, baseUrl, apiKey, timeoutMs: read.integer('CAPTION_TIMEOUT_MS', 60_000, { min: 100, max: 600_000 }) };
}

function parseHttp(read: EnvReader): HttpConfig {
  const headersSeconds = read.integer('HTTP_HEADERS_TIMEOUT_SECONDS', 10, { min: 1, max: 300 });
  // 300 s: Node's own default, which Fastify turns off (0); 10 MB at 300 kbit/s.
  const requestSeconds = read.integer('HTTP_REQUEST_TIMEOUT_SECONDS', 300, { min: 1, max: 86_400 });
  if (requestSeconds < headersSeconds) throw read.fail('HTTP_REQUEST_TIMEOUT_SECONDS', 'must be at least HTTP_HEADERS_TIMEOUT_SECONDS');
  return { headersTimeoutMs: headersSeconds * 1000, requestTimeoutMs: requestSeconds * 1000 };
}

function parseTrustProxy(read: EnvReader): AppConfig['trustProxy'] {
  const raw = read.string('TRUST_PROXY', 'false').trim();
  if (/^(false|0|no|off)$/i.test(raw) || raw === '') return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^[1-9]\d{0,2}$/.test(raw)) return Number(raw);
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length > 0 && list.every(isAddressOrRange)) return Object.freeze(list);
  throw read.fail('TRUST_PROXY', 'must be false, true, a hop count, or a comma-separated list of addresses/CIDRs');
}

/** An IP address, optionally with a CIDR prefix length (or an IPv4 netmask), as proxy-addr accepts it. */
function isAddressOrRange(entry: string): boolean {
  const [address = '', range, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (version === 4 && isIPv4(range)) return true;
  return /^\d{1,3}$/.test(range) && Number(range) <= (version === 4 ? 32 : 128);
}
