// The external DAST tools over a running photovault: a user with photos, a share link and an API
// token; wapiti signed in as that user over every page and form, then sqlmap against the login
// form and the API. Loopback targets only.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { HttpSession } from '../lib/http.js';
import { csrfFrom, signUpAndLogIn, smallJpeg, uploadPhoto, waitProcessed } from '../lib/photovault.js';
import { photovaultSqlmapTargets, runSqlmap, SQLMAP_BINARY } from './sqlmap.js';
import { judgeToolRuns, type JudgedTools, type ToolRun } from './tool-findings.js';
import { runWapiti, WAPITI_BINARY } from './wapiti.js';

export interface DastToolsOptions {
  readonly origin: string;
  readonly drain?: () => Promise<void>;
  readonly workDir: string;
  readonly allowlistFile: string | null;
  readonly today: Date;
  /** Under CI a missing tool fails the stage; elsewhere it is reported as not run. */
  readonly ci: boolean;
  readonly wapitiSeconds: number;
  readonly sqlmapSeconds: number;
}

/** Never a form that ends the scan's session or removes what it scans. */
export const WAPITI_EXCLUDED_PATHS = [
  '/accounts/logout/',
  '/accounts/logout-everywhere/',
  '/accounts/sessions/*/end/',
  '/accounts/sessions/end-others/',
  '/photos/*/delete/',
  '/photos/*/trash/',
  '/photos/trash/',
  '/photos/trash/empty/',
  '/albums/*/delete/',
  '/accounts/delete/',
  '/accounts/api-tokens/*/revoke/',
];

const INSTALL: Readonly<Record<string, string>> = { wapiti: WAPITI_BINARY, sqlmap: SQLMAP_BINARY };

function missingTool(tool: string, ci: boolean): ToolRun {
  const message = `${INSTALL[tool]} not found: apt-get install -y --no-install-recommends ${tool}`;
  return { tool, ran: false, seconds: 0, findings: [], notes: ci ? [] : [`not run: ${message}`], errors: ci ? [message] : [] };
}

export async function runDastTools(options: DastToolsOptions): Promise<JudgedTools> {
  if (new URL(options.origin).hostname !== '127.0.0.1') {
    const refused = (tool: string): ToolRun => ({ tool, ran: false, seconds: 0, findings: [], notes: [], errors: [`refusing to scan ${options.origin}: the tools run against 127.0.0.1 only`] });
    return judgeToolRuns([refused('wapiti'), refused('sqlmap')], options.allowlistFile, options.today);
  }
  await mkdir(options.workDir, { recursive: true });
  const session = new HttpSession(options.origin, {}, false);
  await signUpAndLogIn(session, 'tools');
  const photoIds: string[] = [];
  for (const [colour, title] of [['#2a6', 'tools photo one'], ['#a26', 'tools photo two']] as const) {
    const id = await uploadPhoto(session, await smallJpeg(colour), title);
    await waitProcessed(session, id, options.drain);
    photoIds.push(id);
  }
  const photoId = photoIds[0] ?? '';
  // Share links, one behind a password, so that wapiti also reaches the public share pages and form.
  const shares: string[] = [];
  for (const password of ['', 'tools-share-password-7']) {
    const created = await session.postForm(`/photos/${photoId}/shares/`, { _csrf: await csrfFrom(session, `/photos/${photoId}/`), expires_in: '7', password });
    const page = created.status === 303 ? await session.get(created.headers.location ?? `/photos/${photoId}/`) : created;
    const share = /\/s\/[A-Za-z0-9_-]{10,}\/?/.exec(page.body)?.[0];
    if (share && !shares.includes(share)) shares.push(share.endsWith('/') ? share : `${share}/`);
  }
  const csrf = (JSON.parse((await session.get('/api/v1/csrf-token', { accept: 'application/json' })).body) as { token?: string }).token ?? '';
  const minted = await session.postJson('/api/v1/tokens', { name: 'sqlmap' }, { 'x-csrf-token': csrf, origin: options.origin });
  const bearer = (JSON.parse(minted.body) as { token?: string }).token;
  if (minted.status !== 201 || !bearer) throw new Error(`could not mint an API token for sqlmap: HTTP ${minted.status} ${minted.body.slice(0, 200)}`);

  const runs: ToolRun[] = [];
  if (existsSync(WAPITI_BINARY)) {
    const wapiti = await runWapiti({
      origin: options.origin,
      cookies: session.cookies,
      workDir: path.join(options.workDir, 'wapiti'),
      startPaths: ['/accounts/login/', '/accounts/signup/', ...shares],
      excludePaths: WAPITI_EXCLUDED_PATHS,
      maxScanSeconds: options.wapitiSeconds,
      maxAttackSeconds: Math.max(10, Math.floor(options.wapitiSeconds / 6)),
    });
    // The scan only means something signed in: say whether the session survived it.
    const after = await session.get('/accounts/');
    runs.push({ ...wapiti, notes: [...wapiti.notes, `signed in as a user with ${photoIds.length} photos and ${shares.length} share links; still signed in after the scan: ${after.status === 200 ? 'yes' : `no (HTTP ${after.status})`}`] });
  } else runs.push(missingTool('wapiti', options.ci));
  if (existsSync(SQLMAP_BINARY)) runs.push(await runSqlmap(options.origin, photovaultSqlmapTargets(photoId, bearer), path.join(options.workDir, 'sqlmap'), options.sqlmapSeconds));
  else runs.push(missingTool('sqlmap', options.ci));
  return judgeToolRuns(runs, options.allowlistFile, options.today);
}
