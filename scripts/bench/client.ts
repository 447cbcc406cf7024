import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { multipartBody } from '../lib/multipart.js';

export const BENCH_PASSWORD = 'violet harbour lantern whisk';
export const MEDIA_VARIANTS = ['thumb.jpg', 'display.jpg', 'original'] as const;
const FINAL_STATUSES = new Set(['ready', 'held', 'rejected', 'failed']);
const VIEWABLE_STATUSES = new Set(['ready', 'held']);

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** One browser-like user of the app over loopback: a cookie jar, the Origin header, no redirects followed. */
export class BenchClient {
  readonly cookies = new Map<string, string>();
  private csrf: string | undefined;

  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(method: string, path: string, init: { body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const cookie = this.cookieHeader();
    const response = await fetch(new URL(path, this.base), {
      method,
      redirect: 'manual',
      headers: { origin: this.base, ...(cookie ? { cookie } : {}), ...(init.headers ?? {}) },
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : new Uint8Array(init.body) }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';', 1);
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  async csrfFrom(path: string): Promise<string> {
    const page = await this.request('GET', path);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no CSRF token on ${path} (status ${page.status})`);
    return token;
  }

  async submit(path: string, form: Record<string, string>): Promise<Answer> {
    const token = await this.csrfFrom(path);
    return this.request('POST', path, {
      body: new URLSearchParams({ _csrf: token, ...form }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  async signupAndLogin(username: string): Promise<void> {
    const signup = await this.submit('/accounts/signup/', { username, email: `${username}@example.com`, password1: BENCH_PASSWORD, password2: BENCH_PASSWORD });
    if (signup.status !== 303) throw new Error(`sign-up of ${username} failed: ${signup.status} ${signup.body.slice(0, 300)}`);
    const login = await this.submit('/accounts/login/', { username, password: BENCH_PASSWORD, next: '' });
    if (login.status !== 303) throw new Error(`login of ${username} failed: ${login.status}`);
  }

  /** The upload form's token, fetched once per session as a browser keeps the page's token. */
  async uploadToken(): Promise<string> {
    this.csrf ??= await this.csrfFrom('/photos/upload/');
    return this.csrf;
  }

  /** Posts the upload form as a browser does (CSRF field first, then the file); returns the photo id and the answer time. */
  async upload(jpeg: Buffer, title: string): Promise<{ id: string; ms: number }> {
    const token = await this.uploadToken();
    const { payload, contentType } = multipartBody([
      { name: '_csrf', value: token },
      { name: 'title', value: title },
      { name: 'image', value: jpeg, filename: 'bench.jpg', contentType: 'image/jpeg' },
    ]);
    const started = performance.now();
    const answer = await this.request('POST', '/photos/upload/', { body: payload, headers: { 'content-type': contentType } });
    const ms = performance.now() - started;
    const id = /^\/photos\/([0-9a-f]{32})\/$/.exec(answer.headers.get('location') ?? '')?.[1];
    if (answer.status !== 303 || !id) throw new Error(`upload failed: ${answer.status} ${answer.body.slice(0, 300)}`);
    return { id, ms };
  }

  async photoStatus(id: string): Promise<string> {
    const answer = await this.request('GET', `/photos/${id}/status/`, { headers: { accept: 'application/json' } });
    if (answer.status !== 200) throw new Error(`status of ${id}: ${answer.status}`);
    return (JSON.parse(answer.body) as { status: string }).status;
  }

  /**
   * GETs every variant of a photo in full (every byte read); true when all are served. The bodies
   * are read as bytes: reading them with request()'s text() decoded ~1.8 MB of JPEG per photo as
   * UTF-8 in this process, ~20 ms of CPU per photo (the client's 92 → 72 ms per photo over the
   * burst), taken from the app it measures on a 2-core machine.
   */
  async fetchAllMedia(id: string): Promise<boolean> {
    const cookie = this.cookieHeader();
    const statuses = await Promise.all(
      MEDIA_VARIANTS.map(async (variant) => {
        const response = await fetch(new URL(`/photos/${id}/media/${variant}`, this.base), { redirect: 'manual', headers: { origin: this.base, ...(cookie ? { cookie } : {}) } });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    return statuses.every((status) => status === 200);
  }
}
export interface UploadRunResult {
  readonly photos: number;
  /** From the first upload sent to the last photo whose every variant was served. */
  readonly elapsedMs: number;
  readonly photosPerSecond: number;
  /** Time to the upload's answer (the 303 redirect), one per upload. */
  readonly uploadMs: readonly number[];
  readonly ids: readonly string[];
  /** Uploads refused, photos that ended rejected/failed, or media not served. */
  readonly errors: number;
}

let uploadSerial = 0;

/**
 * The same JPEG with a comment segment (COM) after its start marker: other bytes, so the app does
 * not take it for a duplicate of an earlier upload (it answers those without processing them), and
 * the same pixels and cost, since the pipeline drops comments with the rest of the metadata.
 */
export function withComment(jpeg: Buffer, text: string): Buffer {
  const comment = Buffer.from(`${text} ${process.pid} ${Date.now()}`, 'latin1');
  const header = Buffer.from([0xff, 0xfe, (comment.length + 2) >> 8, (comment.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), header, comment, jpeg.subarray(2)]);
}

/**
 * `perClient` uploads from each client at once (each client uploads one after another), while one
 * poller follows the photos in acceptance order: it asks for the oldest photo not yet final every
 * `pollMs`, and as soon as one is final it GETs all its media and moves on at once to the next.
 * Jobs finish roughly in order, so this sees each photo within `pollMs` at a cost of a few
 * requests per second.
 */
export async function uploadAndWaitServed(clients: readonly BenchClient[], jpeg: Buffer, perClient: number, options: { pollMs?: number; timeoutMs?: number } = {}): Promise<UploadRunResult> {
  const pollMs = options.pollMs ?? 20;
  const deadline = performance.now() + (options.timeoutMs ?? 180_000);
  const accepted: { id: string; client: BenchClient }[] = [];
  const uploadMs: number[] = [];
  let errors = 0;
  let uploading = clients.length;
  for (const client of clients) await client.uploadToken();

  const started = performance.now();
  const uploads = clients.map(async (client, index) => {
    try {
      for (let i = 0; i < perClient; i++) {
        try {
          const title = `bench ${index}-${i}`;
          const { id, ms } = await client.upload(withComment(jpeg, `${title} ${uploadSerial++}`), title);
          uploadMs.push(ms);
          accepted.push({ id, client });
        } catch (error) {
          errors++;
          process.stderr.write(`${String(error)}\n`);
        }
      }
    } finally {
      uploading--;
    }
  });

  let served = 0;
  let lastServedAt = started;
  const poll = async () => {
    let next = 0;
    while (uploading > 0 || next < accepted.length) {
      if (performance.now() > deadline) throw new Error(`photos not ready after ${Math.round((options.timeoutMs ?? 180_000) / 1000)} s (${served} of ${accepted.length})`);
      const entry = accepted[next];
      if (!entry) {
        await sleep(pollMs);
        continue;
      }
      const status = await entry.client.photoStatus(entry.id);
      if (!FINAL_STATUSES.has(status)) {
        await sleep(pollMs);
        continue;
      }
      if (!VIEWABLE_STATUSES.has(status) || !(await entry.client.fetchAllMedia(entry.id))) errors++;
      else served++;
      lastServedAt = performance.now();
      next++;
    }
  };
  await Promise.all([...uploads, poll()]);
  const elapsedMs = lastServedAt - started;
  return { photos: served, elapsedMs, photosPerSecond: served / (elapsedMs / 1000), uploadMs, ids: accepted.map((a) => a.id), errors };
}
