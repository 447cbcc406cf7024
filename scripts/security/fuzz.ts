// API fuzzing: the live /openapi.json drives fast-check over every operation, anonymous and
// authenticated (session cookie + X-CSRF-Token, and a Bearer token when the API can mint one).
// FUZZ_SEED and FUZZ_RUNS replay a run; FUZZ_ONLY narrows it to matching operations.
import { randomInt } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { fuzz, type AuthContext, type FuzzResult } from './fuzz/fuzzer.js';
import { isJsonMediaType, operationsOf, type OpenApiDocument, type Operation } from './fuzz/openapi.js';
import { friendlyValue, validArbitrary } from './fuzz/schema-arbitrary.js';
import { DocumentValidator } from './fuzz/validator.js';
import { HttpSession } from './lib/http.js';
import { csrfFrom, signUpAndLogIn, smallJpeg, uploadPhoto, waitProcessed } from './lib/photovault.js';
import { isMain, REPORT_DIR, runStageCli, table, type StageOutcome } from './lib/report.js';

export const MIN_REQUESTS = 2000;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface FuzzStageOptions {
  readonly origin: string;
  readonly seed: number;
  readonly runs: number | null;
  readonly minRequests: number;
  readonly only?: string;
  /** Builds the authenticated contexts (photovault: sign up, log in, CSRF token, API token). */
  readonly authenticate?: (origin: string, doc: OpenApiDocument) => Promise<Credentials>;
  /** Bytes for file fields of multipart bodies. */
  readonly files?: readonly Buffer[];
  readonly log?: (line: string) => void;
}

export async function runFuzz(options: FuzzStageOptions): Promise<StageOutcome & { result: FuzzResult }> {
  const docResponse = await new HttpSession(options.origin, {}, false).get('/openapi.json');
  if (docResponse.status !== 200) throw new Error(`GET /openapi.json answered HTTP ${docResponse.status}`);
  const doc = JSON.parse(docResponse.body) as OpenApiDocument;
  const anonymous: AuthContext = { name: 'anonymous', anonymous: true, headers: () => ({}) };
  const credentials = (await options.authenticate?.(options.origin, doc)) ?? { contexts: [], protectedIds: new Set<string>() };
  const contexts = [anonymous, ...credentials.contexts];
  options.log?.(`fuzzing ${options.origin}/openapi.json with seed ${options.seed} as ${contexts.map((c) => c.name).join(', ')}`);
  const result = await fuzz({
    origin: options.origin,
    doc,
    contexts,
    seed: options.seed,
    runs: options.runs,
    minRequests: options.minRequests,
    protectedIds: credentials.protectedIds,
    files: options.files ?? [],
    ...(options.only ? { only: options.only } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const enough = options.runs !== null || result.requests >= options.minRequests;
  const lines = [
    `API fuzzing of ${options.origin}/openapi.json (OpenAPI ${doc.openapi}): ${result.operations} operations, contexts: ${contexts.map((c) => c.name).join(', ')}`,
    `seed ${options.seed}, ${result.runs} runs per property; replay: FUZZ_SEED=${options.seed} FUZZ_RUNS=${result.runs} npm run security:fuzz`,
    '',
    table([['operation', 'requests', 'statuses'], ...[...result.statuses].map(([op, statuses]) => [op, String([...statuses.values()].reduce((a, b) => a + b, 0)), [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')])]),
    '',
    ...(result.failures.length === 0
      ? ['no failures: no server errors; every status, content type and body as documented; invalid input rejected; authentication enforced']
      : result.failures.flatMap((f) => [`FAIL ${f.check} — ${f.operation} [${f.context}] HTTP ${f.status} (${f.count}×): ${f.message}`, `  ${f.curl}`])),
    ...result.warnings.map((w) => `warning: ${w}`),
    ...(enough ? [] : [`error: only ${result.requests} requests, at least ${options.minRequests} required`]),
    '',
    `${result.requests} requests: ${result.serverErrors} server errors, ${result.schemaViolations} schema violations`,
  ];
  return {
    stage: 'fuzz',
    ok: result.operations > 0 && result.serverErrors === 0 && result.schemaViolations === 0 && enough,
    report: lines.join('\n'),
    counts: { operations: result.operations, requests: result.requests, server_errors: result.serverErrors, schema_violations: result.schemaViolations },
    result,
  };
}

/** Valid examples of a schema: a plain business-like one first, then generated ones. */
function validExamples(doc: OpenApiDocument, schema: Record<string, unknown>, seed: number): unknown[] {
  const validator = new DocumentValidator(doc);
  const plain = friendlyValue(doc, schema);
  const generated = fc.sample(validArbitrary(doc, schema).filter((v) => validator.checkSchema(schema, v) === null), { seed, numRuns: 10 });
  return [...(plain !== undefined && validator.checkSchema(schema, plain) === null ? [plain] : []), ...generated];
}

export interface Credentials {
  readonly contexts: AuthContext[];
  /** Resource ids the fuzzer must not use (deleting them would end a context, e.g. its own token). */
  readonly protectedIds: ReadonlySet<string>;
}

/**
 * photovault's credentials: a signed-up user (with one uploaded photo, so photo operations meet a
 * real resource) as a cookie session with its CSRF token and, when the API mints them, an API token.
 */
export async function photovaultContexts(origin: string, doc: OpenApiDocument, seed: number, drain?: () => Promise<void>): Promise<Credentials> {
  const session = new HttpSession(origin, {}, false);
  await signUpAndLogIn(session, 'fuzz');
  const photo = await uploadPhoto(session, await smallJpeg(), 'fuzz photo');
  await waitProcessed(session, photo, drain);
  const protectedIds = new Set<string>();
  const cookie = [...session.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const operations = operationsOf(doc);
  const csrfOp = operations.find((op) => op.method === 'GET' && /csrf/i.test(op.path));
  let csrf: string;
  if (csrfOp) {
    const response = await session.get(csrfOp.path, { accept: 'application/json' });
    csrf = (JSON.parse(response.body) as { token?: string }).token ?? '';
  } else {
    csrf = await csrfFrom(session, '/accounts/');
  }
  const sessionHeaders = (op: Operation): Record<string, string> => ({ cookie, ...(UNSAFE.has(op.method) ? { 'x-csrf-token': csrf, origin } : {}) });
  // The session's own id (from a session list, if the API has one) must not be ended by the fuzzer.
  const sessionList = operations.find((op) => op.method === 'GET' && /\/sessions$/.test(op.path));
  if (sessionList) {
    const listed = await session.get(sessionList.path, { accept: 'application/json' });
    for (const item of (JSON.parse(listed.body) as { items?: { id?: unknown }[] }).items ?? []) if (typeof item.id === 'string') protectedIds.add(item.id);
  }
  const contexts: AuthContext[] = [{ name: 'session', anonymous: false, headers: sessionHeaders }];

  // An operation that answers with a `token` property mints API tokens: make one for a Bearer context.
  const mint = operations.find((op) => op.method === 'POST' && Object.entries(op.responses).some(([status, r]) => status.startsWith('2') && hasTokenProperty(r.content)));
  const bodySchema = mint?.body?.content['application/json']?.schema;
  if (mint && bodySchema) {
    // Schema-valid is not always acceptable (a blank name is refused): try examples until one is.
    let minted: { token?: unknown; id?: unknown } | undefined;
    let last = '';
    for (const body of validExamples(doc, bodySchema, seed)) {
      const response = await session.request({ method: 'POST', path: mint.path, headers: { ...sessionHeaders(mint), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      last = `HTTP ${response.status} ${response.body.slice(0, 200)}`;
      if (response.status < 300) {
        minted = JSON.parse(response.body) as { token?: unknown; id?: unknown };
        break;
      }
    }
    const token = minted?.token;
    if (typeof token !== 'string') throw new Error(`${mint.id} could not mint an API token: ${last}`);
    contexts.push({ name: 'bearer', anonymous: false, headers: () => ({ authorization: `Bearer ${token}` }) });
    if (typeof minted?.id === 'string') protectedIds.add(minted.id);
  }
  return { contexts, protectedIds };
}

function hasTokenProperty(content: Operation['responses'][string]['content']): boolean {
  for (const [type, media] of Object.entries(content ?? {})) {
    if (!isJsonMediaType(type) || !media.schema) continue;
    const properties = (media.schema as { properties?: Record<string, unknown> }).properties ?? {};
    if ('token' in properties) return true;
  }
  return false;
}

async function main(): Promise<void> {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31 - 1);
  const runs = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : null;
  // Printed first, so a crash mid-run can still be replayed.
  process.stdout.write(`FUZZ_SEED=${seed}\n`);
  await runStageCli(async () => {
    const external = process.env.FUZZ_TARGET;
    const target = external ? null : await (await import('./lib/target-app.js')).startPhotovault({}, path.join(REPORT_DIR, 'fuzz-app.log'));
    try {
      return await runFuzz({
        origin: external ?? target?.origin ?? '',
        seed,
        runs,
        minRequests: MIN_REQUESTS,
        ...(process.env.FUZZ_ONLY ? { only: process.env.FUZZ_ONLY } : {}),
        authenticate: (origin, doc) => photovaultContexts(origin, doc, seed, target?.drain),
        files: [await smallJpeg('#a53')],
        log: (line) => process.stdout.write(`${line}\n`),
      });
    } finally {
      await target?.close();
    }
  });
}

if (isMain(import.meta.url)) await main();
