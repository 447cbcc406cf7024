import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, fatalCritical, parseSqlmapCsv, parseSqlmapOutput, photovaultSqlmapTargets, refusedRequests, sqlmapArgs } from '../../scripts/security/dast-tools/sqlmap.js';
import { judgeToolRuns, type ToolRun } from '../../scripts/security/dast-tools/tool-findings.js';
import { parseWapitiReport, wapitiArgs, wapitiCookieJar } from '../../scripts/security/dast-tools/wapiti.js';
import { recordSummary } from '../../scripts/security/lib/report.js';

// Recorded with Debian's wapiti 3.0.4 and sqlmap 1.7.2: against fixtures/planted-flaws-app.mjs
// (SQL built by concatenation, an unescaped echo) and against photovault itself (npm run security).
const fixture = (name: string) => readFile(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dast-tools-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (tool: string, findings: ToolRun['findings'], extra: Partial<ToolRun> = {}): ToolRun => ({ tool, ran: true, seconds: 12.3, findings, notes: [], errors: [], ...extra });

describe('wapiti JSON reports', () => {
  it('reads vulnerabilities and anomalies with their levels from the planted app: XSS medium, server errors high, headers low', async () => {
    const findings = parseWapitiReport(JSON.parse(await fixture('wapiti-planted.json')));
    expect(findings).toContainEqual(expect.objectContaining({ tool: 'wapiti', id: 'Cross Site Scripting', severity: 'medium', target: 'GET /hello', parameter: 'name' }));
    expect(findings.filter((f) => f.id === 'Internal Server Error')).toEqual([expect.objectContaining({ severity: 'high', target: 'GET /item', parameter: 'id' }), expect.objectContaining({ severity: 'high' })]);
    expect(findings.filter((f) => f.severity === 'low').map((f) => f.detail)).toContain('X-Frame-Options is not set');
    expect(findings).toHaveLength(7);
  });

  it('fails the stage on the planted medium and high findings, counting each severity', async () => {
    const judged = await judgeToolRuns([run('wapiti', parseWapitiReport(JSON.parse(await fixture('wapiti-planted.json'))))], null, new Date('2026-12-01'));
    expect(judged.ok).toBe(false);
    expect(judged.summary.wapiti).toEqual({ status: 'failed', seconds: 12, critical: 0, high: 2, medium: 1, low: 4, info: 0, allowlisted: 0 });
    expect(judged.report).toMatch(/FAIL\s+medium\s+Cross Site Scripting\s+GET \/hello\s+name/);
  });

  it('passes photovault, whose report has low findings only (over plain HTTP: no HSTS, no Secure flag)', async () => {
    const findings = parseWapitiReport(JSON.parse(await fixture('wapiti-photovault.json')));
    expect(findings.map((f) => f.severity)).toEqual(['low', 'low', 'low', 'low']);
    const judged = await judgeToolRuns([run('wapiti', findings)], null, new Date('2026-12-01'));
    expect(judged.ok).toBe(true);
    expect(judged.summary.wapiti).toMatchObject({ status: 'passed', low: 4, medium: 0 });
  });

  it('refuses something that is not a wapiti report', () => {
    expect(() => parseWapitiReport({ hello: 'world' })).toThrow(/not a wapiti JSON report/);
    expect(() => parseWapitiReport(null)).toThrow(/not a wapiti JSON report/);
  });

  it('scans only the target folder, signed in by cookie, never the excluded forms, without bug reports', () => {
    const args = wapitiArgs({ origin: 'http://127.0.0.1:4000', cookies: new Map(), workDir: dir, startPaths: ['/s/abc/'], excludePaths: ['/accounts/logout/'], maxScanSeconds: 120, maxAttackSeconds: 20 }, 'c.json', 'r.json');
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after('--url')).toBe('http://127.0.0.1:4000/');
    expect(after('--scope')).toBe('folder');
    expect(after('--cookie')).toBe('c.json');
    expect(after('--exclude')).toBe('http://127.0.0.1:4000/accounts/logout/');
    expect(after('--start')).toBe('http://127.0.0.1:4000/s/abc/');
    expect(after('--max-scan-time')).toBe('120');
    expect(after('--module')?.split(',')).not.toContain('ssrf');
    expect(args).toContain('--no-bugreport');
  });

  it('writes the session cookies in wapiti\'s cookie-file format, keyed by the bare IP', () => {
    expect(wapitiCookieJar('http://127.0.0.1:4000', new Map([['pv_session', 'abc']]))).toEqual({
      '127.0.0.1': { '/': { pv_session: { value: 'abc', version: 0, expires: null, secure: false, port: null } } },
    });
  });
});

describe('sqlmap results', () => {
  it("does not take sqlmap's CRITICAL retry notice for a dynamic page as a failed run, but does take a real one", async () => {
    // Recorded from CI: photovault's login page changes on every answer (CSRF token, CSP nonce).
    const dynamic = await fixture('sqlmap-login-dynamic.out');
    expect(dynamic).toContain('[CRITICAL] target URL content appears to be heavily dynamic');
    expect(dynamic).toMatch(/all tested parameters do not appear to be injectable/);
    expect(fatalCritical(dynamic)).toBeUndefined();
    expect(fatalCritical(`${dynamic}\n[15:02:40] [CRITICAL] connection refused to the target URL\n`)).toBe('connection refused to the target URL');
    expect(fatalCritical('[12:00:00] [CRITICAL] unable to connect to the target URL')).toBe('unable to connect to the target URL');
  });

  it('reads a confirmed injection point from the CSV of the planted app as critical', async () => {
    expect(parseSqlmapCsv(await fixture('sqlmap-planted.csv'))).toEqual([
      { tool: 'sqlmap', id: 'sql-injection', severity: 'critical', target: 'GET http://127.0.0.1:8765/item?id=1', parameter: 'id', detail: 'injectable (boolean-based blind)' },
    ]);
    expect(parseSqlmapCsv('Target URL,Place,Parameter,Technique(s),Note(s)\n')).toEqual([]);
  });

  it('reads the injection point, the heuristic hint and the server errors from its output, even without the CSV', async () => {
    const findings = parseSqlmapOutput(await fixture('sqlmap-planted.out'), 'planted');
    expect(findings.filter((f) => f.id === 'sql-injection')).toEqual([
      { tool: 'sqlmap', id: 'sql-injection', severity: 'critical', target: 'GET (planted)', parameter: 'id', detail: 'injectable: AND boolean-based blind - WHERE or HAVING clause' },
    ]);
    expect(findings).toContainEqual(expect.objectContaining({ id: 'heuristic-basic', severity: 'low', parameter: 'id' }));
    expect(findings).toContainEqual(expect.objectContaining({ id: 'server-error', severity: 'medium', detail: 'HTTP 500 answered 60 time(s) to injection payloads' }));
    const judged = await judgeToolRuns([run('sqlmap', findings)], null, new Date('2026-12-01'));
    expect(judged.ok).toBe(false);
    expect(judged.summary.sqlmap).toMatchObject({ status: 'failed', critical: 1, medium: 1, low: 1 });
  });

  it('does not report an injection point that sqlmap itself withdrew as a false positive (photovault\'s login form)', async () => {
    const output = await fixture('sqlmap-login-false-positive.out');
    expect(output).toMatch(/POST parameter 'next' appears to be .* injectable/);
    expect(output).toContain('false positive or unexploitable injection point detected');
    expect(parseSqlmapOutput(output, 'login-form').filter((f) => f.severity !== 'low')).toEqual([]);
    // Recorded from CI: the same withdrawn point in the results CSV, noted by sqlmap.
    const csv = 'Target URL,Place,Parameter,Technique(s),Note(s)\nhttp://127.0.0.1:38891/accounts/login/,POST,next,B,false positive or unexploitable\n';
    const fromCsv = parseSqlmapCsv(csv);
    expect(fromCsv).toEqual([expect.objectContaining({ id: 'sql-injection-withdrawn', severity: 'low', parameter: 'next' })]);
    const judged = await judgeToolRuns([run('sqlmap', fromCsv)], null, new Date('2026-12-01'));
    expect(judged.ok).toBe(true);
  });

  it('treats a run whose every request was refused (CSRF) as an error, not an all-clear', async () => {
    const output = await fixture('sqlmap-login-csrf-refused.out');
    expect(output).toContain('all tested parameters do not appear to be injectable');
    expect(errorCodes(output)).toEqual(new Map([[403, 512]]));
    const login = photovaultSqlmapTargets('0'.repeat(32), 'pv_x')[0]!;
    expect(refusedRequests(output, login)).toMatch(/HTTP 403 512 times/);
    expect(refusedRequests('HTTP error codes detected during run:\n401 (Unauthorized) - 900 times\n', login)).toBeNull();
    // Throttled (another scanner locked the account out): also refused.
    expect(refusedRequests('HTTP error codes detected during run:\n429 (Too Many Requests) - 160 times, 401 (Unauthorized) - 3 times\n', login)).toMatch(/HTTP 429 160 times/);
  });

  it('attacks the login form and the API on their own terms: CSRF token refreshed, Bearer token, level and risk 1', () => {
    const [login, read, update] = photovaultSqlmapTargets('ab'.repeat(16), 'pv_token', 'sqlmapuser');
    const loginArgs = sqlmapArgs('http://127.0.0.1:4000', login!, dir, null);
    expect(loginArgs.slice(0, 2)).toEqual(['-u', 'http://127.0.0.1:4000/accounts/login/']);
    expect(loginArgs).toEqual(expect.arrayContaining(['--csrf-token', '_csrf', '--batch', '--ignore-code', '401']));
    expect(loginArgs[loginArgs.indexOf('--data') + 1]).toContain('username=sqlmapuser&');
    expect(loginArgs).not.toContain('--method');
    expect(read!.paths).toContain(`/api/v1/photos/${'ab'.repeat(16)}*`);
    const readArgs = sqlmapArgs('http://127.0.0.1:4000', read!, dir, path.join(dir, 'targets.txt'));
    expect(readArgs.slice(0, 2)).toEqual(['-m', path.join(dir, 'targets.txt')]);
    expect(readArgs).toEqual(expect.arrayContaining(['-H', 'Authorization: Bearer pv_token', '--level', '1', '--risk', '1']));
    expect(sqlmapArgs('http://127.0.0.1:4000', update!, dir, null)).toEqual(expect.arrayContaining(['--method', 'PATCH']));
  });
});

describe('the DAST allowlist and summary', () => {
  const xss = { tool: 'wapiti', id: 'Cross Site Scripting', severity: 'medium' as const, target: 'GET /hello', parameter: 'name', detail: 'XSS' };

  it('lets an unexpired entry with a reason accept a finding, and fails once it has expired', async () => {
    const allowlistFile = path.join(dir, 'dast-allowlist.json');
    const entry = { id: 'cross site scripting', package: 'wapiti', reason: 'the page is a planted test fixture' };
    await writeFile(allowlistFile, JSON.stringify({ entries: [{ ...entry, expires: '2027-01-31' }] }));
    const allowed = await judgeToolRuns([run('wapiti', [xss])], allowlistFile, new Date('2026-12-01'));
    expect(allowed.ok).toBe(true);
    expect(allowed.summary.wapiti).toMatchObject({ status: 'passed', medium: 1, allowlisted: 1 });
    expect(allowed.report).toContain('allowed until 2027-01-31');

    await writeFile(allowlistFile, JSON.stringify({ entries: [{ ...entry, expires: '2026-11-30' }] }));
    const expired = await judgeToolRuns([run('wapiti', [xss])], allowlistFile, new Date('2026-12-01'));
    expect(expired.ok).toBe(false);
    expect(expired.report).toMatch(/expired on 2026-11-30/);
  });

  it('does not let an entry for one tool cover another tool\'s finding, nor accept an entry without a reason', async () => {
    const allowlistFile = path.join(dir, 'other-tool.json');
    await writeFile(allowlistFile, JSON.stringify({ entries: [{ id: 'Cross Site Scripting', package: 'sqlmap', reason: 'wrong tool', expires: '2027-01-31' }, { id: 'x', package: 'wapiti', expires: '2027-01-31' }] }));
    const judged = await judgeToolRuns([run('wapiti', [xss])], allowlistFile, new Date('2026-12-01'));
    expect(judged.ok).toBe(false);
    expect(judged.report).toMatch(/FAIL\s+medium\s+Cross Site Scripting/);
    expect(judged.report).toContain('missing or invalid reason');
  });

  it('fails a tool that could not run, and reports a tool that was not installed as not run', async () => {
    const judged = await judgeToolRuns(
      [run('wapiti', [], { ran: false, errors: ['exited with 1'] }), run('sqlmap', [], { ran: false, seconds: 0, notes: ['not run: /usr/bin/sqlmap not found'] })],
      null,
      new Date('2026-12-01'),
    );
    expect(judged.ok).toBe(false);
    expect(judged.summary.wapiti?.status).toBe('failed');
    expect(judged.summary.sqlmap?.status).toBe('not run');
  });

  it('records the tools under dast.tools in summary.json', async () => {
    const judged = await judgeToolRuns([run('wapiti', [xss])], null, new Date('2026-12-01'));
    await recordSummary('dast', { checks: 5, failed: 0, tools: judged.summary }, dir);
    const summary = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')) as { dast: unknown };
    expect(summary.dast).toEqual({ checks: 5, failed: 0, tools: { wapiti: { status: 'failed', seconds: 12, critical: 0, high: 0, medium: 1, low: 0, info: 0, allowlisted: 0 } } });
  });
});
