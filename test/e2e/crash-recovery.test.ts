import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../support/clamd.js';
import { extractCsrf, STRONG_PASSWORD } from '../support/client.js';
import { smallJpeg } from '../support/photos.js';

/** The real server in a child process, killed with SIGKILL mid-upload, then started again. */
describe('a crash in the middle of an upload', () => {
  let dataDir = '';
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function startServer(port: number): Promise<ChildProcess> {
    const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', MODERATION_ENABLED: 'false', NODE_ENV: 'test' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    for (let i = 0; i < 200; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      if (ok) return server;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('server did not become ready');
  }

  it('leaves no half photo and no orphan file after the next start', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pv-crash-'));
    const port = await findFreePort();
    const origin = `http://127.0.0.1:${port}`;
    child = await startServer(port);

    const jar = new Map<string, string>();
    const fetchWithJar = async (url: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const response = await fetch(origin + url, { ...init, headers, redirect: 'manual' });
      for (const line of response.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const [name = '', value = ''] = pair.split('=');
        jar.set(name.trim(), value);
      }
      return response;
    };
    const post = async (url: string, fields: Record<string, string>) =>
      fetchWithJar(url, { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', origin } });

    let csrf = extractCsrf(await (await fetchWithJar('/accounts/signup/')).text()) ?? '';
    expect((await post('/accounts/signup/', { _csrf: csrf, username: 'crashy', email: 'c@example.com', password1: STRONG_PASSWORD, password2: STRONG_PASSWORD })).status).toBe(303);
    csrf = extractCsrf(await (await fetchWithJar('/accounts/login/')).text()) ?? '';
    expect((await post('/accounts/login/', { _csrf: csrf, username: 'crashy', password: STRONG_PASSWORD })).status).toBe(303);
    csrf = extractCsrf(await (await fetchWithJar('/photos/upload/')).text()) ?? '';

    // Send the headers and half of the file, then kill the server while it is receiving.
    const boundary = 'crashboundary';
    const file = Buffer.concat([await smallJpeg(1500, 1000), Buffer.alloc(400_000, 7)]);
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
    const request = http.request(`${origin}/photos/upload/`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + file.length + 100), origin, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    request.on('error', () => {});
    request.write(head);
    request.write(file.subarray(0, file.length / 2));
    const uploads = path.join(dataDir, 'uploads');
    for (let i = 0; i < 100 && (await readdir(uploads).catch(() => [])).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await readdir(uploads)).some((name) => name.endsWith('.part'))).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    request.destroy();

    child = await startServer(port);
    expect(await readdir(uploads)).toEqual([]);
    expect(await readdir(path.join(dataDir, 'media'))).toEqual([]);
    const gallery = await (await fetchWithJar('/photos/')).text();
    expect(gallery).toContain('You have no photos yet.');
  }, 90_000);
});
