import { readUrl, type EnvReader } from './env-parsers.js';

/** S3-compatible media storage (S3_BUCKET set); region, endpoint and keys are the AWS SDK's own variables. */
export interface S3Config {
  readonly bucket: string;
  /** S3_PREFIX: '' or a path ending in '/', prepended to every key. */
  readonly prefix: string;
  /** AWS_REGION; undefined lets the SDK read its shared config file. */
  readonly region: string | undefined;
  /** AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL); undefined means AWS itself. */
  readonly endpoint: string | undefined;
  readonly forcePathStyle: boolean;
  /** AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); undefined: the SDK's provider chain. Never logged. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string | undefined } | undefined;
  readonly timeoutMs: number;
}

/** How owners get media: through the app (default) or, with S3, redirected to a short-lived signed URL. */
export type MediaDelivery = 'stream' | 'redirect';

// AWS's bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, a letter or digit at
// each end, no '..', not an IP address.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// One path segment of safe characters that does not start with a dot (so never '.' or '..').
const PREFIX_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

export function parseS3(read: EnvReader): S3Config | undefined {
  const bucket = read.optionalString('S3_BUCKET')?.trim();
  if (bucket === undefined) return undefined;
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw read.fail('S3_BUCKET', 'must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)');
  }
  return {
    bucket,
    prefix: parsePrefix(read),
    region: parseRegion(read),
    endpoint: parseEndpoint(read),
    forcePathStyle: read.boolean('S3_FORCE_PATH_STYLE', false),
    credentials: parseCredentials(read),
    timeoutMs: read.integer('S3_TIMEOUT_MS', 30_000, { min: 100, max: 600_000 }),
  };
}

export function parseMediaDelivery(read: EnvReader, s3: S3Config | undefined): MediaDelivery {
  const delivery = read.oneOf('MEDIA_DELIVERY', ['stream', 'redirect'] as const, 'stream');
  // Only S3 can sign a link; local files are always streamed.
  if (delivery === 'redirect' && s3 === undefined) throw read.fail('MEDIA_DELIVERY', 'can be redirect only with S3_BUCKET');
  return delivery;
}

function parsePrefix(read: EnvReader): string {
  const raw = read.optionalString('S3_PREFIX')?.trim();
  if (raw === undefined) return '';
  const segments = (raw.endsWith('/') ? raw.slice(0, -1) : raw).split('/');
  if (segments.length > 8 || !segments.every((segment) => PREFIX_SEGMENT.test(segment))) {
    throw read.fail('S3_PREFIX', 'must be a relative path of letters, digits and . _ - (e.g. photovault/media)');
  }
  return `${segments.join('/')}/`;
}

function parseRegion(read: EnvReader): string | undefined {
  const region = read.optionalString('AWS_REGION')?.trim();
  if (region !== undefined && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(region)) throw read.fail('AWS_REGION', 'must be a region name such as eu-west-1');
  return region;
}

function parseEndpoint(read: EnvReader): string | undefined {
  // The SDK's own order: the S3-specific variable first, then the global one.
  for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
    const endpoint = readUrl(read, name, { protocols: ['http:', 'https:'], example: 'https://s3.example.com' });
    if (endpoint === undefined) continue;
    if (endpoint.url.username !== '' || endpoint.url.password !== '') throw read.fail(name, 'must be an http:// or https:// URL without credentials');
    return endpoint.raw;
  }
  return undefined;
}

function parseCredentials(read: EnvReader): S3Config['credentials'] {
  const accessKeyId = read.optionalString('AWS_ACCESS_KEY_ID')?.trim();
  const secretAccessKey = read.optionalString('AWS_SECRET_ACCESS_KEY');
  const sessionToken = read.optionalString('AWS_SESSION_TOKEN');
  // Half a key pair is a mistake, not a cue to fall back to another identity. The values are never echoed.
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined;
  if (accessKeyId === undefined) throw read.fail('AWS_ACCESS_KEY_ID', 'is needed with AWS_SECRET_ACCESS_KEY');
  if (secretAccessKey === undefined) throw read.fail('AWS_SECRET_ACCESS_KEY', 'is needed with AWS_ACCESS_KEY_ID');
  return { accessKeyId, secretAccessKey, sessionToken };
}
