import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/env-parsers.js';
import { S3Storage } from '../../src/media/storage/s3-storage.js';
import { MEDIA_VARIANTS } from '../../src/photos/media-variants.js';
import { createPhotoRepository } from '../../src/photos/photo-repository.js';
import { sweepOrphans } from '../../src/photos/processing/sweep-orphans.js';
import { bucketStaging, localStaging } from '../../src/photos/upload/staging.js';
import { createToken } from '../api/api-client.js';
import { createShare } from '../shares/share-fixtures.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS, type Dialect } from '../support/databases.js';
import { makeTempDir } from '../support/images.js';
import { photoIdFrom, smallJpeg, uploadForm } from '../support/photos.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

// The whole app on S3 (s3rver on 127.0.0.1): media land in the bucket only once a photo is ready,
// are served through the app with our headers (or, with MEDIA_DELIVERY=redirect, by a signed link
// that only owners of ready photos get), and go when the photo goes.

const TYPES = { original: 'image/jpeg', 'display.jpg': 'image/jpeg', 'thumb.jpg': 'image/jpeg' } as const;

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => s3?.stop());

/** Runs the job worker until the queue is empty, then stops it again (uploads stay queued meanwhile). */
async function processQueued(t: TestApp): Promise<void> {
  await t.app.jobWorker.start();
  await t.app.jobWorker.drain();
  await t.app.jobWorker.stop();
}

/** Bytes of one object in the bucket. */
async function objectBytes(bucket: string, key: string): Promise<Buffer> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return buffer(object.Body as NodeJS.ReadableStream);
}

interface S3App {
  readonly t: TestApp;
  readonly bucket: string;
  readonly alice: TestClient;
  readonly bob: TestClient;
}

/** The app on a fresh bucket, with two signed-in users. */
async function startS3App(dialect: Dialect, extra: Record<string, string>): Promise<S3App> {
  const bucket = await s3.createBucket();
  // The worker runs only while a test processes the queue, so "before ready" can be looked at.
  const t = await createTestApp(dialect, { MODERATION_ENABLED: 'false', WORKER_IN_PROCESS: 'false', ...s3.env(bucket, extra) });
  const alice = new TestClient(t.app);
  await alice.signupAndLogin('alice_s3');
  const bob = new TestClient(t.app);
  await bob.signupAndLogin('bob_s3');
  return { t, bucket, alice, bob };
}

describe.each(DIALECTS)('media on S3 (%s)', (dialect) => {
  describe('MEDIA_DELIVERY=stream (the default)', () => {
    let t: TestApp;
    let bucket: string;
    let alice: TestClient;
    let bob: TestClient;

    beforeAll(async () => {
      ({ t, bucket, alice, bob } = await startS3App(dialect, { S3_PREFIX: 'pv' }));
    });
    afterAll(() => t?.close());

    it('stores nothing before the photo is ready, then every variant in the bucket and none on disk', async () => {
      const upload = await uploadForm(alice, await smallJpeg(320, 240));
      expect(upload.statusCode).toBe(303);
      const id = photoIdFrom(upload.headers.location);

      for (const variant of MEDIA_VARIANTS) expect((await alice.get(`/photos/${id}/media/${variant}`)).statusCode, variant).toBe(404);
      // Only the staged upload, which no media route can name.
      expect((await s3.listObjects(bucket)).filter((key) => key.includes(id))).toEqual([`pv/staging/${id}.upload`]);

      await processQueued(t);
      expect((await alice.get(`/photos/${id}/status/`)).json()).toMatchObject({ status: 'ready' });
      expect((await s3.listObjects(bucket)).filter((key) => key.includes(id))).toEqual(MEDIA_VARIANTS.map((variant) => `pv/${id}/${variant}`).sort());
      // DATA_DIR/media is the local storage's place: S3 mode leaves it empty.
      expect(await readdir(path.join(t.database.dataDir, 'media')).catch(() => [])).toEqual([]);

      for (const variant of MEDIA_VARIANTS) {
        const media = await alice.get(`/photos/${id}/media/${variant}`);
        expect(media.statusCode, variant).toBe(200);
        expect(media.headers['content-type']).toBe(TYPES[variant]);
        expect(media.headers['content-length']).toBe(String(media.rawPayload.length));
        expect(media.headers['content-disposition']).toBe(`${variant === 'original' ? 'attachment' : 'inline'}; filename="${variant === 'original' ? 'photo' : variant.split('.')[0]}-${id}.${variant === 'original' ? 'jpg' : variant.split('.')[1]}"`);
        expect(media.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
        expect(media.headers['x-content-type-options']).toBe('nosniff');
        expect(media.headers['cache-control']).toBe('private, max-age=3600');
        expect(media.headers.location).toBeUndefined();
        expect(media.rawPayload.equals(await objectBytes(bucket, `pv/${id}/${variant}`))).toBe(true);
      }
    });

    it('gives another user a 404, and a share link never the original', async () => {
      const upload = await uploadForm(alice, await smallJpeg());
      const id = photoIdFrom(upload.headers.location);
      await processQueued(t);
      for (const variant of MEDIA_VARIANTS) expect((await bob.get(`/photos/${id}/media/${variant}`)).statusCode).toBe(404);

      const { token } = await createShare(alice, id);
      expect(token).not.toBe('');
      const visitor = new TestClient(t.app);
      expect((await visitor.get(`/s/${token}/`)).statusCode).toBe(200);
      const shared = await visitor.get(`/s/${token}/media/display.jpg`);
      expect(shared.statusCode).toBe(200);
      expect(shared.rawPayload.equals(await objectBytes(bucket, `pv/${id}/display.jpg`))).toBe(true);
      expect((await visitor.get(`/s/${token}/media/original`)).statusCode).toBe(404);
    });

    it('removes every object of a deleted photo', async () => {
      const upload = await uploadForm(alice, await smallJpeg());
      const id = photoIdFrom(upload.headers.location);
      await processQueued(t);
      expect((await s3.listObjects(bucket)).filter((key) => key.includes(id))).toHaveLength(MEDIA_VARIANTS.length);

      const deleted = await alice.submit(`/photos/${id}/`, {}, `/photos/${id}/delete/`);
      expect(deleted.statusCode).toBe(303);
      expect((await s3.listObjects(bucket)).filter((key) => key.includes(id))).toEqual([]);
      expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
    });

    it('sweeps objects that no photo row points at (a crash between puts), and nothing else', async () => {
      const kept = photoIdFrom((await uploadForm(alice, await smallJpeg())).headers.location);
      await processQueued(t);
      // What a process killed inside storePhoto leaves once its photo row is gone, plus a stranger's objects.
      const orphan = 'f'.repeat(32);
      for (const key of [`pv/${orphan}/original`, `pv/${orphan}/display.jpg`, 'README', `other/${orphan}/original`]) {
        await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'left over' }));
      }
      const storage = S3Storage.create(s3.storageOptions({ bucket, prefix: 'pv/' }));
      try {
        const removed = await sweepOrphans(createPhotoRepository(t.db), storage, localStaging(path.join(t.database.dataDir, 'uploads')), t.app.log);
        expect(removed).toBe(2);
      } finally {
        storage.close();
      }
      const left = await s3.listObjects(bucket);
      expect(left.filter((key) => key.includes(orphan))).toEqual([`other/${orphan}/original`]);
      expect(left).toContain('README');
      expect(left.filter((key) => key.includes(kept))).toHaveLength(MEDIA_VARIANTS.length);
    });

    it('stages an upload in the bucket, so a worker with another DATA_DIR (another machine) processes it', async () => {
      const id = photoIdFrom((await uploadForm(alice, await smallJpeg(300, 200))).headers.location);
      // Nothing of it stays on the web instance's disk: the bytes wait under staging/ in the bucket.
      expect(await readdir(path.join(t.database.dataDir, 'uploads'))).toEqual([]);
      expect((await s3.listObjects(bucket)).filter((key) => key.includes(id))).toEqual([`pv/staging/${id}.upload`]);

      const temp = await makeTempDir();
      const elsewhere = temp.dir;
      const database = t.config.database.dialect === 'sqlite' ? `file:${t.config.database.file}` : t.config.database.url;
      const worker = await buildApp(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: elsewhere, DATABASE_URL: database, MODERATION_ENABLED: 'false', ...s3.env(bucket, { S3_PREFIX: 'pv' }) }), { logger: false });
      try {
        await worker.ready();
        await processQueued({ app: worker } as TestApp);
      } finally {
        await worker.close();
      }
      onTestFinished(() => temp.remove());
      expect((await alice.get(`/photos/${id}/status/`)).json()).toMatchObject({ status: 'ready' });
      // The staged object went with the job; the worker's fetched copy went too.
      expect((await s3.listObjects(bucket)).filter((key) => key.includes(id))).toEqual(MEDIA_VARIANTS.map((variant) => `pv/${id}/${variant}`).sort());
      expect(await readdir(path.join(elsewhere, 'uploads'))).toEqual([]);
      expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(200);
    });

    it("sweeps old staged objects no unfinished photo waits for, and keeps young ones and a waiting photo's", async () => {
      const waiting = photoIdFrom((await uploadForm(alice, await smallJpeg(120, 90))).headers.location);
      const [gone, fresh] = ['e'.repeat(32), 'd'.repeat(32)];
      for (const id of [gone, fresh]) await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `pv/staging/${id}.upload`, Body: 'staged' }));
      await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'pv/staging/not-ours.txt', Body: 'x' }));
      const storage = S3Storage.create(s3.storageOptions({ bucket, prefix: 'pv/' }));
      const staging = bucketStaging(path.join(t.database.dataDir, 'uploads'), storage.stagedObjects());
      try {
        // Young: kept whatever its row says (its upload may be between claim and insert).
        expect(await sweepOrphans(createPhotoRepository(t.db), storage, staging, t.app.log)).toBe(0);
        // An hour on: the unknown photo's goes; the one whose job has yet to run stays.
        expect(await sweepOrphans(createPhotoRepository(t.db), storage, staging, t.app.log, { now: Date.now() + 3600_000 })).toBe(2);
      } finally {
        storage.close();
      }
      const staged = (await s3.listObjects(bucket)).filter((key) => key.startsWith('pv/staging/'));
      expect(staged).toContain(`pv/staging/${waiting}.upload`);
      expect(staged).toContain('pv/staging/not-ours.txt');
      expect(staged.filter((key) => key.includes(gone) || key.includes(fresh))).toEqual([]);
      await processQueued(t);
      expect((await s3.listObjects(bucket)).filter((key) => key.startsWith('pv/staging/'))).toEqual(['pv/staging/not-ours.txt']);
    });

    it('is ready while the bucket answers', async () => {
      const health = await t.app.inject({ url: '/readyz' });
      expect(health.statusCode).toBe(200);
    });
  });

  describe('MEDIA_DELIVERY=redirect', () => {
    let t: TestApp;
    let bucket: string;
    let alice: TestClient;
    let bob: TestClient;
    let ready: string;

    beforeAll(async () => {
      ({ t, bucket, alice, bob } = await startS3App(dialect, { MEDIA_DELIVERY: 'redirect' }));
      const upload = await uploadForm(alice, await smallJpeg(200, 100));
      ready = photoIdFrom(upload.headers.location);
      await processQueued(t);
    });
    afterAll(() => t?.close());

    it("answers the owner's media request with a signed link of at most 300 s that forces type and disposition", async () => {
      for (const variant of MEDIA_VARIANTS) {
        const answer = await alice.get(`/photos/${ready}/media/${variant}`);
        expect(answer.statusCode, variant).toBe(302);
        expect(answer.headers['cache-control']).toBe('private, no-store');
        const link = new URL(String(answer.headers.location));
        expect(link.origin).toBe(s3.endpoint);
        expect(link.pathname).toBe(`/${bucket}/${ready}/${variant}`);
        expect(Number(link.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
        expect(link.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
        const disposition = `${variant === 'original' ? 'attachment' : 'inline'}; filename="`;
        expect(link.searchParams.get('response-content-type')).toBe(TYPES[variant]);
        expect(link.searchParams.get('response-content-disposition')).toMatch(new RegExp(`^${disposition}`));

        const fetched = await fetch(link);
        expect(fetched.status).toBe(200);
        expect(fetched.headers.get('content-type')).toBe(TYPES[variant]);
        expect(fetched.headers.get('content-disposition')).toMatch(new RegExp(`^${disposition}`));
        expect(Buffer.from(await fetched.arrayBuffer()).equals(await objectBytes(bucket, `${ready}/${variant}`))).toBe(true);
      }
    });

    it('lets pages show redirected images: the CSP allows the storage origin for images only', async () => {
      const csp = String((await alice.get('/photos/')).headers['content-security-policy']);
      expect(csp).toMatch(new RegExp(`img-src 'self' data: blob: ${s3.endpoint.replace(/\./g, '\\.')}(;|$)`));
      expect(csp).toMatch(/default-src 'self';/);
      expect(csp).toMatch(/connect-src 'self';/);
    });

    it('redirects API clients too', async () => {
      const { token } = await createToken(alice, 'links');
      const answer = await t.app.inject({ url: `/api/v1/photos/${ready}/media/original`, headers: { authorization: `Bearer ${token}` } });
      expect(answer.statusCode).toBe(302);
      expect(new URL(String(answer.headers.location)).searchParams.get('response-content-disposition')).toMatch(/^attachment; /);
    });

    it('gives no link for a photo that is not ready', async () => {
      const upload = await uploadForm(alice, await smallJpeg());
      const id = photoIdFrom(upload.headers.location);
      for (const variant of MEDIA_VARIANTS) {
        const answer = await alice.get(`/photos/${id}/media/${variant}`);
        expect(answer.statusCode).toBe(404);
        expect(answer.headers.location).toBeUndefined();
      }
      await processQueued(t);
      expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(302);
    });

    it('gives another user a 404 and no link', async () => {
      for (const variant of MEDIA_VARIANTS) {
        const answer = await bob.get(`/photos/${ready}/media/${variant}`);
        expect(answer.statusCode).toBe(404);
        expect(answer.headers.location).toBeUndefined();
        expect(answer.body).not.toContain('X-Amz');
      }
    });

    it('never redirects a share link: its media stream through the app, and never the original', async () => {
      const { token } = await createShare(alice, ready);
      const visitor = new TestClient(t.app);
      const page = await visitor.get(`/s/${token}/`);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('X-Amz');
      for (const variant of ['display.jpg', 'thumb.jpg']) {
        const media = await visitor.get(`/s/${token}/media/${variant}`);
        expect(media.statusCode, variant).toBe(200);
        expect(media.headers.location).toBeUndefined();
        expect(media.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      }
      const original = await visitor.get(`/s/${token}/media/original`);
      expect(original.statusCode).toBe(404);
      expect(original.headers.location).toBeUndefined();
    });
  });
});

describe('S3 settings checked at start-up', () => {
  it('stops buildApp with a ConfigError naming S3_BUCKET when the bucket does not exist', async () => {
    const { dir, remove } = await makeTempDir();
    try {
      const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, ...s3.env('pv-missing-bucket') });
      const error = await buildApp(config, { logger: false }).then(
        async (app) => {
          await app.close();
          return new Error('buildApp accepted a missing bucket');
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('S3_BUCKET');
      expect((error as ConfigError).message).not.toContain('S3RVER');
    } finally {
      await remove();
    }
  });
});
