import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/env-parsers.js';
import { S3Storage } from '../../../src/media/storage/s3-storage.js';
import { InvalidStorageKeyError } from '../../../src/media/storage/storage-key.js';
import { startS3Server, type S3TestServer } from '../../support/s3-server.js';

// What only S3 has: the start-up check, timeouts against a server that hangs, and signed links.
// The behaviour both storages share is in storage-contract.test.ts.

const KEY = 'a1b2c3d4e5f60718/original.jpg';
const SECRET = 'not-the-real-secret-0123456789abcdef';

let s3: S3TestServer;
let hung: Server;
let hungUrl: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  s3 = await startS3Server();
  // Accepts connections and never answers: a hung S3.
  hung = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  if (hung) await new Promise((resolve) => hung.close(resolve));
  await s3?.stop();
});

async function openError(overrides: Parameters<S3TestServer['storageOptions']>[0]): Promise<ConfigError> {
  const error = await S3Storage.open(s3.storageOptions(overrides)).then(
    (storage) => {
      storage.close();
      return new Error('S3Storage.open accepted the settings');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('S3Storage start-up check', () => {
  it('opens a bucket that answers', async () => {
    const storage = await S3Storage.open(s3.storageOptions());
    storage.close();
  });

  it('names S3_BUCKET when the bucket does not exist', async () => {
    const error = await openError({ bucket: 'pv-no-such-bucket' });
    expect(error.variable).toBe('S3_BUCKET');
    expect(error.message).toContain('pv-no-such-bucket');
  });

  it('names AWS_ENDPOINT_URL_S3 when nothing listens there', async () => {
    // A port that was free a moment ago: connection refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await openError({ endpoint: `http://127.0.0.1:${port}` });
    expect(error.variable).toBe('AWS_ENDPOINT_URL_S3');
  });

  it('names AWS_ENDPOINT_URL_S3 when the server hangs, within the timeout', async () => {
    const started = Date.now();
    const error = await openError({ endpoint: hungUrl, timeoutMs: 500 });
    expect(error.variable).toBe('AWS_ENDPOINT_URL_S3');
    // The SDK retries (3 attempts in all), each bounded by the timeout.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('names the access key when the keys are refused, and never prints the secret', async () => {
    const error = await openError({ credentials: { accessKeyId: 'NOT-AN-ACCOUNT', secretAccessKey: SECRET } });
    expect(error.variable).toBe('AWS_ACCESS_KEY_ID');
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(String(error.stack)).not.toContain(SECRET);
  });
});

describe('S3Storage against a server that hangs', () => {
  it('gives up on every kind of request instead of hanging', async () => {
    const storage = S3Storage.create({ ...s3.storageOptions({ endpoint: hungUrl, timeoutMs: 300 }) });
    try {
      for (const attempt of [() => storage.get(KEY), () => storage.put(KEY, Buffer.from('x')), () => storage.exists(KEY), () => storage.ping()]) {
        const started = Date.now();
        await expect(attempt()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(4000);
      }
    } finally {
      storage.close();
    }
  });
});

describe('S3Storage signed links', () => {
  it('signs a GET that forces type, disposition and caching, valid at most 300 s', async () => {
    const storage = S3Storage.create(s3.storageOptions({ prefix: 'signed/' }));
    try {
      await storage.put(KEY, Buffer.from('<html>not an image</html>'));
      const url = new URL(await storage.signedUrl(KEY, { expiresInSeconds: 300, contentType: 'image/jpeg', contentDisposition: 'attachment; filename="photo.jpg"' }));
      expect(url.origin).toBe(s3.endpoint);
      expect(url.pathname).toBe(`/${s3.bucket}/signed/${KEY}`);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
      // SigV4 signs the whole query, overrides included (s3rver does not check SigV4 signatures,
      // so tampering cannot be shown here; AWS, MinIO and Ceph refuse it).
      expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
      expect(url.searchParams.get('response-content-type')).toBe('image/jpeg');
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="photo.jpg"');
      expect(response.headers.get('cache-control')).toBe('private, max-age=300');
      expect(await response.text()).toBe('<html>not an image</html>');

      expect(await storage.linkOrigin()).toBe(s3.endpoint);
    } finally {
      storage.close();
    }
  });

  it('refuses links longer than five minutes and hostile keys', async () => {
    const storage = S3Storage.create(s3.storageOptions());
    try {
      const options = { contentType: 'image/jpeg', contentDisposition: 'inline' };
      await expect(storage.signedUrl(KEY, { ...options, expiresInSeconds: 301 })).rejects.toThrow(RangeError);
      await expect(storage.signedUrl(KEY, { ...options, expiresInSeconds: 0 })).rejects.toThrow(RangeError);
      await expect(storage.signedUrl('../etc/passwd', { ...options, expiresInSeconds: 60 })).rejects.toBeInstanceOf(InvalidStorageKeyError);
    } finally {
      storage.close();
    }
  });
});
