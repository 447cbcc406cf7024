import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { TestClient } from '../../support/client.js';
import { DIALECTS } from '../../support/databases.js';
import { makeTempDir } from '../../support/images.js';
import { uploadProcessed } from '../../support/photos.js';
import { createShare } from '../../shares/share-fixtures.js';
import { filesOf, insertStoredPhotos, mediaFiles, newAccount } from './account-data-fixtures.js';

const NEVER_CACHE = 'max-age=0, no-cache, no-store, must-revalidate, private';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface ExportJson {
  format: string;
  user: { id: string; username: string; email: string };
  photos: { id: string; title: string; caption: string; alt_text: string; file: string | null; original_name: string; created_at: string; sha256: string }[];
  albums: { id: string; name: string; photo_ids: string[] }[];
  share_links: Record<string, unknown>[];
}

describe.each(DIALECTS)('data export (%s)', (dialect) => {
  let t: TestApp;
  let tmp: { dir: string; remove: () => Promise<void> };

  beforeAll(async () => {
    t = await createTestApp(dialect, { EXPORT_RETENTION_HOURS: '2' });
    tmp = await makeTempDir();
  });
  afterAll(async () => {
    await t.close();
    await tmp.remove();
  });

  const exportRow = async (userId: string) => t.db.selectFrom('account_exports').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  const storedOriginal = async (photoId: string) => readFile(path.join(t.config.dataDir, 'media', photoId, 'original'));

  /** Downloads the zip and lists it with `unzip`; returns its entries and a reader for one of them. */
  async function download(client: TestClient, url: string) {
    const res = await client.request({ method: 'GET', url });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const file = path.join(tmp.dir, `${Math.random().toString(36).slice(2)}.zip`);
    await writeFile(file, res.rawPayload);
    const entries = execFileSync('zipinfo', ['-1', file], { encoding: 'utf8' }).trim().split('\n');
    const read = (name: string) => execFileSync('unzip', ['-p', file, name], { maxBuffer: 64 * 1024 * 1024 });
    return { res, entries, read };
  }

  it('requests an export with a CSRF-protected form, shows it queued, refuses a second one while it runs, then offers the zip', async () => {
    const { client, userId } = await newAccount(t, 'exp_main');
    const page = await client.get('/accounts/export/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe(NEVER_CACHE);
    expect(page.body).toContain('You have no export yet.');
    expect(page.body).toMatch(/<form method="post" action="\/accounts\/export\/"[^>]*>\s*<input type="hidden" name="_csrf"/);
    expect((await client.post('/accounts/export/', {})).statusCode).toBe(403);

    const hostile = await uploadProcessed(t, client, undefined, '../../../etc/passwd');
    const plain = await uploadProcessed(t, client, undefined, 'Beach <b>day</b>');
    await client.submit('/albums/', { name: 'Holiday ../x' });
    const album = await t.db.selectFrom('albums').select('id').where('owner_id', '=', userId).executeTakeFirstOrThrow();
    await t.db.insertInto('album_photos').values({ album_id: album.id, photo_id: plain, position: 1, added_at: Date.now() }).execute();
    const share = await createShare(client, plain, { password: 'a share password 123' });
    expect(share.token).not.toBe('');

    await t.app.jobWorker.stop();
    try {
      const requested = await client.submit('/accounts/export/', {});
      expect(requested.statusCode).toBe(303);
      const queued = await client.get('/accounts/export/');
      expect(queued.body).toContain('Export requested.');
      expect(queued.body).toContain('data-export-status="queued"');
      const second = await client.submit('/accounts/export/', {});
      expect(second.statusCode).toBe(303);
      expect((await client.get('/accounts/export/')).body).toContain('An export is already being built.');
      expect(await t.db.selectFrom('account_exports').select('id').where('user_id', '=', userId).execute()).toHaveLength(1);
    } finally {
      await t.app.jobWorker.start();
    }
    await t.app.jobWorker.drain();

    const row = await exportRow(userId);
    expect(row.status).toBe('ready');
    expect(Number(row.expires_at) - Number(row.ready_at)).toBe(2 * 60 * 60_000);
    const ready = await client.get('/accounts/export/');
    expect(ready.body).toContain('data-export-status="ready"');
    expect(ready.body).toContain('2 photos');
    expect(ready.body).toContain(`/accounts/export/${row.id}/download/`);

    const { res, entries, read } = await download(client, `/accounts/export/${row.id}/download/`);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="photovault-export-\d{4}-\d{2}-\d{2}\.zip"$/);
    expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    expect(Number(res.headers['content-length'])).toBe(Number(row.bytes));
    // Names are generated: a date, the photo id, our extension. No title text, no traversal.
    expect(entries).toHaveLength(3);
    expect(entries).toContain('photovault.json');
    for (const id of [hostile, plain]) expect(entries).toContainEqual(expect.stringMatching(new RegExp(`^originals/\\d{4}-\\d{2}-\\d{2}-${id}\\.jpg$`)));
    for (const entry of entries) expect(entry).not.toMatch(/\.\.|passwd|Beach|^\//);
    for (const id of [hostile, plain]) {
      const name = entries.find((entry) => entry.includes(id))!;
      expect(sha256(read(name))).toBe(sha256(await storedOriginal(id)));
    }
    const json = JSON.parse(read('photovault.json').toString('utf8')) as ExportJson;
    expect(json.format).toBe('photovault-export');
    expect(json.user).toMatchObject({ id: userId, username: 'exp_main', email: 'exp_main@example.com' });
    expect(json.photos.map((p) => p.title).sort()).toEqual(['../../../etc/passwd', 'Beach <b>day</b>']);
    expect(json.photos.find((p) => p.id === plain)?.file).toBe(entries.find((entry) => entry.includes(plain)));
    expect(json.albums).toEqual([expect.objectContaining({ id: album.id, name: 'Holiday ../x', photo_ids: [plain] })]);
    expect(json.share_links).toEqual([expect.objectContaining({ photo_id: plain, password_protected: true })]);
    const text = read('photovault.json').toString('utf8');
    expect(text).not.toContain(share.token);
    expect(text).not.toMatch(/token|password_hash|\$argon2/);
    const audit = await t.db.selectFrom('audit_log').select('event').where('target_id', '=', userId).execute();
    expect(audit.map((r) => r.event)).toEqual(expect.arrayContaining(['account_export_requested', 'account_export_downloaded']));
  });

  it('lets only the owner download, refuses malformed ids, and treats an expired export as gone; housekeeping removes it', async () => {
    const { client, userId } = await newAccount(t, 'exp_owner');
    const { client: other } = await newAccount(t, 'exp_other');
    expect((await client.submit('/accounts/export/', {})).statusCode).toBe(303);
    await t.app.jobWorker.drain();
    const row = await exportRow(userId);
    expect(await filesOf(t, [row.id])).toEqual([`${row.id}/photovault-export.zip`]);

    expect((await other.get(`/accounts/export/${row.id}/download/`)).statusCode).toBe(404);
    expect((await new TestClient(t.app).get(`/accounts/export/${row.id}/download/`)).statusCode).toBe(303);
    for (const bad of ['..%2F..%2Fsecret-key', '%2e%2e', 'ABCDEF', `${row.id}x`, "1' OR '1'='1"]) {
      const res = await client.get(`/accounts/export/${bad}/download/`);
      expect([400, 404], bad).toContain(res.statusCode);
    }
    // A housekeeping round's orphan sweep keeps export files (they belong to an export row, not a photo).
    await t.app.jobWorker.enqueue({ id: `housekeeping-test-${row.id}`, kind: 'housekeeping', maxAttempts: 1 });
    await t.app.jobWorker.drain();
    expect(await filesOf(t, [row.id])).toEqual([`${row.id}/photovault-export.zip`]);
    expect((await client.get(`/accounts/export/${row.id}/download/`)).statusCode).toBe(200);
    await t.db.updateTable('account_exports').set({ expires_at: Date.now() - 1 }).where('id', '=', row.id).execute();
    const expired = await client.get(`/accounts/export/${row.id}/download/`, { accept: 'application/json' });
    expect(expired.statusCode).toBe(404);
    expect(expired.body).toContain('expired');
    expect((await client.get('/accounts/export/')).body).toContain('data-export-status="expired"');

    const { purgeExpiredExports } = await import('../../../src/accounts/export/build-export-job.js');
    const { createExportRepository } = await import('../../../src/accounts/export/export-repository.js');
    const { LocalStorage } = await import('../../../src/media/storage/local-storage.js');
    const storage = await LocalStorage.open(path.join(t.config.dataDir, 'media'));
    const removed = await purgeExpiredExports({ repository: createExportRepository(t.db), storage, workDir: path.join(t.config.dataDir, 'exports-work'), retentionMs: 3_600_000 }, Date.now());
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(await filesOf(t, [row.id])).toEqual([]);
    expect(await t.db.selectFrom('account_exports').select('id').where('id', '=', row.id).execute()).toEqual([]);
  });

  it('exports an account with no photos, and one with hundreds in bounded pages, replacing the previous export', async () => {
    const { client, userId } = await newAccount(t, 'exp_empty');
    expect((await client.submit('/accounts/export/', {})).statusCode).toBe(303);
    await t.app.jobWorker.drain();
    const empty = await exportRow(userId);
    const first = await download(client, `/accounts/export/${empty.id}/download/`);
    expect(first.entries).toEqual(['photovault.json']);
    const json = JSON.parse(first.read('photovault.json').toString('utf8')) as ExportJson;
    expect(json).toMatchObject({ photos: [], albums: [], share_links: [] });

    const ids = await insertStoredPhotos(t, userId, 450, 4_000);
    expect((await client.submit('/accounts/export/', {})).statusCode).toBe(303);
    await t.app.jobWorker.drain();
    const big = await exportRow(userId);
    expect(big.id).not.toBe(empty.id);
    expect(Number(big.photo_count)).toBe(450);
    const many = await download(client, `/accounts/export/${big.id}/download/`);
    expect(many.entries).toHaveLength(451);
    const sample = ids[317]!;
    expect(sha256(many.read(many.entries.find((e) => e.includes(sample))!))).toBe(sha256(await storedOriginal(sample)));
    // The earlier export is gone, file and row.
    expect(await filesOf(t, [empty.id])).toEqual([]);
    expect((await client.get(`/accounts/export/${empty.id}/download/`)).statusCode).toBe(404);
    expect((await mediaFiles(t)).filter((key) => key.endsWith('photovault-export.zip')).length).toBeGreaterThan(0);
  });
});
