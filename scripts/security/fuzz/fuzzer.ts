// Schema-driven, property-based API fuzzing: for every operation of an OpenAPI document, in every
// authentication context, fast-check generates valid and invalid requests from the schemas; each
// response goes through the Schemathesis-style checks.
import fc from 'fast-check';
import { send, toCurl, type HttpRequest, type HttpResponse } from '../lib/http.js';
import { checkResponse, type CheckName } from './checks.js';
import { operationsOf, type OpenApiDocument, type Operation } from './openapi.js';
import { IdPool, invalidRequest, validRequest, type GeneratedRequest, type Generation } from './requests.js';
import { DocumentValidator } from './validator.js';

/** Who sends the requests: anonymous, a cookie session (with its CSRF header), a Bearer token... */
export interface AuthContext {
  readonly name: string;
  readonly anonymous: boolean;
  headers(op: Operation): Record<string, string>;
}

export interface FuzzOptions {
  readonly origin: string;
  readonly doc: OpenApiDocument;
  readonly contexts: readonly AuthContext[];
  readonly seed: number;
  /** fast-check runs per property (operation × context × valid/invalid); null: enough for minRequests. */
  readonly runs: number | null;
  readonly minRequests: number;
  /** Only operations whose id or "METHOD path" contains this. */
  readonly only?: string;
  /** Bytes for binary (file) fields of multipart bodies, e.g. a small valid image. */
  readonly files?: readonly Buffer[];
  /** Resource ids seen in responses are reused as path parameters, except these (e.g. the Bearer token's own id). */
  readonly protectedIds?: ReadonlySet<string>;
  readonly log?: (line: string) => void;
}

export interface FuzzFailure {
  readonly operation: string;
  readonly context: string;
  readonly check: CheckName;
  readonly message: string;
  readonly status: number;
  readonly curl: string;
  count: number;
}

export interface FuzzResult {
  readonly operations: number;
  requests: number;
  serverErrors: number;
  schemaViolations: number;
  readonly runs: number;
  readonly failures: FuzzFailure[];
  readonly warnings: string[];
  readonly statuses: Map<string, Map<number, number>>;
}

function toHttpRequest(op: Operation, generated: GeneratedRequest, context: AuthContext): HttpRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(generated.pathValues[name] ?? ''));
  const query = new URLSearchParams(generated.query as Array<[string, string]>).toString();
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...generated.headers, ...context.headers(op) };
  if (generated.body) headers['content-type'] = generated.body.contentType;
  return { method: op.method, path: query ? `${path}?${query}` : path, headers, ...(generated.body ? { body: generated.body.payload } : {}) };
}

// Deletions last: until then, every other operation can still find the resources they remove.
const byMethodOrder = (a: Operation, b: Operation) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE');

export async function fuzz(options: FuzzOptions): Promise<FuzzResult> {
  const validator = new DocumentValidator(options.doc);
  const pool = new IdPool(options.protectedIds ?? new Set());
  const g: Generation = { doc: options.doc, validator, pool, files: options.files ?? [], seed: options.seed };
  const operations = operationsOf(options.doc)
    .filter((op) => !options.only || op.id.includes(options.only) || `${op.method} ${op.path}`.includes(options.only))
    .sort(byMethodOrder);
  const properties: Array<{ op: Operation; context: AuthContext; negative: boolean; arbitrary: fc.Arbitrary<GeneratedRequest> }> = [];
  for (const op of operations) {
    for (const context of options.contexts) {
      properties.push({ op, context, negative: false, arbitrary: validRequest(g, op) });
      const invalid = invalidRequest(g, op);
      if (invalid) properties.push({ op, context, negative: true, arbitrary: invalid });
    }
  }
  const runs = options.runs ?? Math.max(10, Math.ceil(options.minRequests / Math.max(1, properties.length)));
  const result: FuzzResult = { operations: operations.length, requests: 0, serverErrors: 0, schemaViolations: 0, runs, failures: [], warnings: [], statuses: new Map() };
  const failuresByKey = new Map<string, FuzzFailure>();

  const exercise = async (op: Operation, context: AuthContext, generated: GeneratedRequest) => {
    const request = toHttpRequest(op, generated, context);
    let response: HttpResponse;
    try {
      response = await send(options.origin, request);
    } catch (error) {
      response = { status: 599, headers: {}, setCookies: [], body: `network error: ${(error as Error).message}`, bytes: Buffer.alloc(0) };
    }
    result.requests += 1;
    const statuses = result.statuses.get(op.id) ?? new Map<number, number>();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    result.statuses.set(op.id, statuses);
    if (response.status < 300 && /json/i.test(response.headers['content-type'] ?? '')) {
      try {
        pool.harvest(JSON.parse(response.body));
      } catch {
        // Not JSON after all: the content-type check reports it.
      }
    }
    const failures = checkResponse(op, response, { negative: generated.negative, anonymous: context.anonymous }, validator);
    if (failures.some((f) => f.check === 'not_a_server_error')) result.serverErrors += 1;
    // A server error is counted once, as a server error, even though its status is undocumented too.
    const conformance = failures.filter((f) => f.check !== 'not_a_server_error' && !(f.check === 'status_code_conformance' && response.status >= 500));
    if (conformance.length > 0) result.schemaViolations += 1;
    for (const failure of failures) {
      const key = `${op.id}|${context.name}|${failure.check}|${response.status}`;
      const known = failuresByKey.get(key);
      if (known) known.count += 1;
      else failuresByKey.set(key, { operation: `${op.id} (${op.method} ${op.path})`, context: context.name, check: failure.check, message: failure.message, status: response.status, curl: toCurl(options.origin, request), count: 1 });
    }
  };

  // Seed the id pool from the list operations, as a client would start.
  for (const op of operations.filter((o) => o.method === 'GET' && !o.path.includes('{'))) {
    for (const context of options.contexts.filter((c) => !c.anonymous)) {
      const response = await send(options.origin, toHttpRequest(op, { pathValues: {}, query: [], headers: {}, body: null, negative: null }, context)).catch(() => null);
      if (response && response.status < 300) {
        try {
          pool.harvest(JSON.parse(response.body));
        } catch {
          // Only JSON answers carry ids.
        }
      }
    }
  }

  for (const [index, property] of properties.entries()) {
    const before = result.requests;
    try {
      await fc.assert(
        fc.asyncProperty(property.arbitrary, async (generated) => {
          await exercise(property.op, property.context, generated);
          return true;
        }),
        { seed: (options.seed + index * 7919) | 0, numRuns: runs, endOnFailure: true },
      );
    } catch (error) {
      result.warnings.push(`${property.op.id} [${property.context.name}, ${property.negative ? 'invalid' : 'valid'}]: generation stopped: ${(error as Error).message.split('\n')[0] ?? ''}`);
    }
    options.log?.(`  ${property.op.method.padEnd(6)} ${property.op.path} [${property.context.name}, ${property.negative ? 'invalid' : 'valid'}]: ${result.requests - before} requests`);
  }
  result.failures.push(...failuresByKey.values());
  return result;
}
