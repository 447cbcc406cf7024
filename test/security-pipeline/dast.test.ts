import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dastReport } from '../../scripts/security/dast.js';
import { offsite } from '../../scripts/security/dast/redirect.js';
import type { DastFinding } from '../../scripts/security/dast/results.js';
import { scan } from '../../scripts/security/dast/scanner.js';
import { HttpSession } from '../../scripts/security/lib/http.js';

const GOOD_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** A small app with one planted flaw of each kind the scanner looks for, and one clean page. */
async function plantedApp(filesDir: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(formbody);
  // No security headers, and a session cookie without HttpOnly or SameSite.
  app.get('/', async (_request, reply) =>
    reply
      .header('set-cookie', 'sid=planted; Path=/')
      .type('text/html')
      .send(
        '<html><body><a href="/go?next=/home">home</a> <a href="/hello?name=world">hello</a> <a href="/files/readme.txt">readme</a> <a href="/boom">boom</a>' +
          '<form method="post" action="/transfer"><input name="amount" value="10"><button>Send</button></form></body></html>',
      ),
  );
  // Open redirect.
  app.get<{ Querystring: { next?: string } }>('/go', async (request, reply) => reply.redirect(request.query.next ?? '/home', 302));
  // Reflected XSS.
  app.get<{ Querystring: { name?: string } }>('/hello', async (request, reply) => reply.headers(GOOD_HEADERS).type('text/html').send(`<p>Hello ${request.query.name ?? ''}</p>`));
  // No CSRF protection on a state-changing form.
  app.post('/transfer', async (_request, reply) => reply.headers(GOOD_HEADERS).type('text/html').send('<p>done</p>'));
  // Path traversal: the parameter is joined to a folder unchecked.
  app.get<{ Params: { name: string } }>('/files/:name', async (request, reply) => {
    try {
      return reply.headers(GOOD_HEADERS).type('text/plain').send(await readFile(path.join(filesDir, request.params.name), 'utf8'));
    } catch {
      return reply.code(404).headers(GOOD_HEADERS).send('not found');
    }
  });
  // A verbose error page.
  app.get('/boom', async (_request, reply) => reply.code(500).headers(GOOD_HEADERS).type('text/plain').send(new Error('planted').stack ?? ''));
  // The clean page.
  app.get('/home', async (_request, reply) => reply.headers(GOOD_HEADERS).type('text/html').send('<p>home</p>'));
  app.setNotFoundHandler((_request, reply) => reply.code(404).headers(GOOD_HEADERS).type('text/html').send('<p>not found</p>'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

let app: FastifyInstance;
let filesDir: string;
let origin: string;
let findings: DastFinding[];
let report: ReturnType<typeof dastReport>;

beforeAll(async () => {
  filesDir = await mkdtemp(path.join(os.tmpdir(), 'dast-files-'));
  await writeFile(path.join(filesDir, 'readme.txt'), 'a harmless file');
  app = await plantedApp(filesDir);
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const results = await scan({ origin, seeds: ['/'], knownParameters: {} });
  findings = results.findings;
  report = dastReport(origin, results);
}, 60_000);

afterAll(async () => {
  await app.close();
  await rm(filesDir, { recursive: true, force: true });
});

const about = (category: string, target: RegExp) => findings.filter((f) => f.category === category && target.test(f.target));

describe('DAST on a planted app', () => {
  it('fails the stage and counts the checks', () => {
    expect(report.ok).toBe(false);
    expect(report.counts.failed).toBe(findings.length);
    expect(report.counts.checks).toBeGreaterThan(report.counts.failed ?? 0);
  });

  it('reports the missing security headers and clickjacking on the page without them, not on the clean page', () => {
    expect(about('headers', /^GET \/ /).map((f) => f.problem)).toEqual(
      expect.arrayContaining(['X-Content-Type-Options: nosniff missing', 'Content-Security-Policy missing on an HTML page']),
    );
    expect(about('clickjacking', /^GET \/ /)).toHaveLength(1);
    expect(about('headers', /^GET \/home/)).toEqual([]);
    expect(about('clickjacking', /^GET \/home/)).toEqual([]);
  });

  it('reports the cookie flags', () => {
    expect(about('cookies', /Set-Cookie sid/).map((f) => f.problem)).toEqual(expect.arrayContaining([expect.stringMatching(/HttpOnly/), expect.stringMatching(/SameSite/)]));
  });

  it('reports the open redirect on next, with the request that shows it', () => {
    const redirects = about('open-redirect', /GET \/go \?next/);
    expect(redirects.length).toBeGreaterThan(3);
    expect(redirects[0]?.problem).toMatch(/redirects to https:\/\/evil\.example/);
    expect(redirects[0]?.request).toMatch(/^curl -i --path-as-is -X GET '.*\/go\?next=https%3A%2F%2Fevil\.example%2F'/);
  });

  it('reports the reflected XSS, the missing CSRF protection, the traversal and the stack trace', () => {
    expect(about('xss', /GET \/hello \?name/).length).toBeGreaterThan(0);
    expect(about('csrf', /POST \/transfer/).length).toBeGreaterThanOrEqual(3);
    expect(about('path-traversal', /\/files\//).some((f) => f.problem === 'served /etc/passwd')).toBe(true);
    expect(about('verbose-errors', /\/boom/).map((f) => f.problem)).toEqual([expect.stringMatching(/stack trace/)]);
  });

  it('judges Location headers the way a browser resolves them', () => {
    expect(offsite('/photos/', origin)).toBeNull();
    expect(offsite('//evil.example/', origin)).toBe('https://evil.example'.replace('https', 'http'));
    expect(offsite('/\\evil.example/', origin)).toBe('http://evil.example');
    expect(offsite('javascript:alert(1)', origin)).toBe('javascript: URL');
  });
});

describe('DAST access checks across two users', () => {
  const ITEM = 'a1b2c3d4e5f6a7b8c9d0e1f2';
  let idor: FastifyInstance;
  let idorOrigin: string;

  beforeAll(async () => {
    idor = Fastify({ logger: false });
    await idor.register(formbody);
    const userOf = (cookie: string | undefined) => /sid=(\w+)/.exec(cookie ?? '')?.[1];
    idor.post<{ Body: { username: string } }>('/login/', async (request, reply) =>
      reply.header('set-cookie', `sid=${request.body.username}; Path=/; HttpOnly; SameSite=Lax`).redirect('/account/', 303),
    );
    idor.get('/account/', async (request, reply) => (userOf(request.headers.cookie) ? reply.headers(GOOD_HEADERS).type('text/html').send('<p>account</p>') : reply.redirect('/login/', 302)));
    // Planted IDOR: any signed-in user sees and deletes any item; only the owner should.
    idor.get('/items/:id/', async (request, reply) =>
      userOf(request.headers.cookie)
        ? reply.headers(GOOD_HEADERS).type('text/html').send(`<p>alice's private item</p><form method="post" action="/items/${ITEM}/delete/"><input type="hidden" name="_csrf" value="t"><button>Delete</button></form>`)
        : reply.redirect('/login/', 302),
    );
    idor.post('/items/:id/delete/', async (request, reply) => (userOf(request.headers.cookie) ? reply.redirect('/account/', 303) : reply.code(403).send()));
    await idor.listen({ host: '127.0.0.1', port: 0 });
    idorOrigin = `http://127.0.0.1:${(idor.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await idor.close();
  });

  it("reports the other user reading and deleting the owner's resource", async () => {
    const user = (name: string) => {
      const session = new HttpSession(idorOrigin);
      return { name, session, username: name, password: 'x', login: (s = session) => s.postForm('/login/', { username: name, password: 'x' }) };
    };
    const owner = user('alice');
    const other = user('mallory');
    await owner.login();
    await other.login();
    const results = await scan({ origin: idorOrigin, seeds: [], ownerSeeds: [`/items/${ITEM}/`], users: { owner, other }, ownerResourceIds: [ITEM], authCheckPath: '/account/' });
    const access = results.findings.filter((f) => f.category === 'access-control').map((f) => f.target);
    expect(access).toEqual(expect.arrayContaining([`GET /items/${ITEM}/ as the other user`, `POST /items/${ITEM}/delete/ as the other user`]));
    // Anonymous visitors are sent to the login page: not a finding.
    expect(access.filter((t) => t.includes('anonymous'))).toEqual([]);
  });
});
