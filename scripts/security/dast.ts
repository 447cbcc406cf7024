// DAST: photovault running for real (in this process on a random loopback port, or DAST_TARGET),
// two users with a photo each side, then our scanner over HTTP, then wapiti and sqlmap (Debian's
// packages; loopback targets only). Every finding is printed with the request that shows it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runDastTools } from './dast-tools/run-tools.js';
import type { ScanUser } from './dast/context.js';
import type { Results } from './dast/results.js';
import { scan, type ScanPlan } from './dast/scanner.js';
import { HttpSession } from './lib/http.js';
import { csrfFrom, logIn, signUpAndLogIn, smallJpeg, uploadPhoto, waitProcessed } from './lib/photovault.js';
import { isMain, REPO_ROOT, REPORT_DIR, runStageCli, table, type StageOutcome } from './lib/report.js';

export function dastReport(origin: string, results: Results): StageOutcome {
  const rows = [['category', 'checks', 'failed'], ...[...results.perCategory].map(([category, c]) => [category, String(c.checks), String(c.failed)])];
  const lines = [
    `DAST of ${origin}: ${results.checks} checks, ${results.failed} failed`,
    '',
    table(rows),
    '',
    ...(results.findings.length === 0
      ? ['no findings']
      : results.findings.flatMap((f) => [`FAIL [${f.category}] ${f.target}${f.status === null ? '' : ` -> HTTP ${f.status}`}: ${f.problem}`, `  ${f.request}`])),
    '',
    'covered:',
    ...results.coverage.map((line) => `  ${line}`),
  ];
  return { stage: 'dast', ok: results.checks > 0 && results.failed === 0, report: lines.join('\n'), counts: { checks: results.checks, failed: results.failed } };
}

async function scanUser(origin: string, prefix: string): Promise<ScanUser> {
  const session = new HttpSession(origin);
  const account = await signUpAndLogIn(session, prefix);
  return { name: prefix, session, username: account.username, password: account.password, login: (other = session) => logIn(other, account) };
}

/** Sets up photovault's two users (the owner with a processed photo and a share link) and scans. */
export async function scanPhotovault(origin: string, options: { drain?: () => Promise<void>; dataDir?: string; httpsViaForwardedProto: boolean; log?: (line: string) => void }): Promise<Results> {
  const owner = await scanUser(origin, 'owner');
  const other = await scanUser(origin, 'other');
  const jpeg = await smallJpeg();
  const photoId = await uploadPhoto(owner.session, jpeg, 'owner photo');
  await waitProcessed(owner.session, photoId, options.drain);
  // Share links (one with a password), so the public share pages, their form and media are scanned
  // too, and an API token, so the account page has its revoke form.
  const shareSeeds: string[] = [];
  const photoPage = `/photos/${photoId}/`;
  for (const password of ['', 'scan-share-password-42']) {
    const token = await csrfFrom(owner.session, photoPage);
    const created = await owner.session.postForm(`/photos/${photoId}/shares/`, { _csrf: token, expires_in: '7', password });
    const page = created.status === 303 ? await owner.session.get(created.headers.location ?? photoPage) : created;
    const share = /\/s\/[A-Za-z0-9_-]{10,}\/?/.exec(page.body)?.[0];
    if (share) shareSeeds.push(share.endsWith('/') ? share : `${share}/`);
  }
  // An album holding the photo, with a share link: its pages, forms and shared media are scanned,
  // and its id is one of the owner's resources the other user must not reach.
  const albumCreated = await owner.session.postForm('/albums/', { _csrf: await csrfFrom(owner.session, '/albums/'), name: 'scan album', photo: photoId });
  const albumPage = albumCreated.headers.location ?? '/albums/';
  const albumId = /^\/albums\/([0-9a-f]{32})\/$/.exec(albumPage)?.[1];
  if (albumId) {
    const sharedAlbum = await owner.session.postForm(`${albumPage}shares/`, { _csrf: await csrfFrom(owner.session, albumPage), expires_in: '7', password: '' });
    const link = /\/s\/[A-Za-z0-9_-]{10,}\//.exec(sharedAlbum.body)?.[0];
    if (link) shareSeeds.push(link);
  }
  await owner.session.postForm('/accounts/api-tokens/', { _csrf: await csrfFrom(owner.session, '/accounts/'), name: 'scan token' });
  const tokenId = /\/accounts\/api-tokens\/([^/"]+)\/revoke\//.exec((await owner.session.get('/accounts/')).body)?.[1];
  const share = shareSeeds.join(', ');

  const sensitive = [REPO_ROOT];
  if (options.dataDir) {
    sensitive.push(options.dataDir);
    sensitive.push((await readFile(path.join(options.dataDir, 'secret_key'), 'utf8').catch(() => '')).trim());
  }
  const plan: ScanPlan = {
    origin,
    seeds: ['/', '/accounts/login/', '/accounts/signup/', '/healthz', '/readyz', '/openapi.json', '/api/docs', ...shareSeeds],
    ownerSeeds: ['/photos/', '/photos/upload/', '/accounts/', photoPage, '/albums/', '/photos/trash/', ...(albumId ? [albumPage] : [])],
    users: { owner, other },
    authCheckPath: '/accounts/',
    ownerResourceIds: [photoId, ...(albumId ? [albumId] : []), ...(tokenId ? [decodeURIComponent(tokenId)] : [])],
    publicPrefixes: ['/s/'],
    privatePrefixes: ['/accounts/', '/photos/', '/albums/', '/api/', '/s/'],
    openapiPath: '/openapi.json',
    httpsViaForwardedProto: options.httpsViaForwardedProto,
    sensitiveMarkers: sensitive.filter((s) => s.length >= 8),
    sampleFile: jpeg,
    knownParameters: { '/': ['name'], '/accounts/login/': ['next'], '/photos/': ['page'] },
    ...(options.log ? { log: options.log } : {}),
  };
  options.log?.(`scanning ${origin}: owner ${owner.username} (photo ${photoId}${share ? `, share ${share}` : ''}), other ${other.username}`);
  return scan(plan);
}

export interface DastStageOptions {
  readonly drain?: () => Promise<void>;
  readonly dataDir?: string;
  readonly httpsViaForwardedProto: boolean;
  readonly log?: (line: string) => void;
}

/**
 * The whole DAST stage against one running photovault: our own checks, then wapiti and sqlmap.
 * A tool's finding of medium or higher fails the stage unless security/dast-allowlist.json accepts
 * it; DAST_WAPITI_SECONDS (150) and DAST_SQLMAP_SECONDS (90) bound the tools.
 */
export async function runDastStage(origin: string, options: DastStageOptions): Promise<StageOutcome> {
  const own = dastReport(origin, await scanPhotovault(origin, options));
  options.log?.('running wapiti and sqlmap');
  // The tools' set-up failing (sign-up, upload, token) fails the stage but keeps our own report.
  const tools = await runDastTools({
    origin,
    ...(options.drain ? { drain: options.drain } : {}),
    workDir: path.join(REPORT_DIR, 'dast-tools'),
    allowlistFile: path.join(REPO_ROOT, 'security', 'dast-allowlist.json'),
    today: new Date(),
    ci: Boolean(process.env.CI),
    wapitiSeconds: Number(process.env.DAST_WAPITI_SECONDS ?? 150),
    sqlmapSeconds: Number(process.env.DAST_SQLMAP_SECONDS ?? 90),
  }).catch((error: unknown) => ({ ok: false, report: `error: the tools could not run: ${error instanceof Error ? error.message : String(error)}`, summary: {} }));
  return { ...own, ok: own.ok && tools.ok, report: `${own.report}\n\nexternal tools (reports and logs in ${path.relative(process.cwd(), path.join(REPORT_DIR, 'dast-tools'))}/):\n${tools.report}`, tools: tools.summary };
}

async function main(): Promise<void> {
  await runStageCli(async () => {
    const external = process.env.DAST_TARGET;
    // TRUST_PROXY lets the scanner present itself as a TLS proxy, to check HSTS and Secure cookies.
    const target = external ? null : await (await import('./lib/target-app.js')).startPhotovault({ TRUST_PROXY: 'true' }, path.join(REPORT_DIR, 'dast-app.log'));
    const origin = external ?? target?.origin ?? '';
    try {
      return await runDastStage(origin, {
        ...(target ? { drain: target.drain, dataDir: target.dataDir } : {}),
        httpsViaForwardedProto: external ? process.env.DAST_HTTPS_VIA_PROXY === '1' : true,
        log: (line) => process.stdout.write(`${line}\n`),
      });
    } finally {
      await target?.close();
    }
  });
}

if (isMain(import.meta.url)) await main();
