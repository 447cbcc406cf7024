// Schema-driven, property-based API fuzzing: for every operation of an OpenAPI document, in every
// authentication context, fast-check generates valid and invalid requests from the schemas; each
// response goes through the Schemathesis-style checks.
import fc from 'fast-check';
import { send, toCurl, type HttpRequest, type HttpResponse } from '../lib/http.js';
import { checkResponse, type CheckName } from './checks.js';
import { isJsonMediaType, operationsOf, type JsonSchema, type OpenApiDocument, type Operation, type Parameter } from './openapi.js';
import { invalidArbitrary, validArbitrary } from './schema-arbitrary.js';
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

interface GeneratedRequest {
  readonly pathValues: Record<string, string>;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly headers: Record<string, string>;
  readonly body: { readonly contentType: string; readonly payload: string | Buffer } | null;
  /** What makes it invalid, or null. */
  readonly negative: string | null;
}

const PRINTABLE = /^[\x20-\x7e]*$/;

function serialize(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  if (typeof value === 'string') return [value];
  return [value === undefined ? '' : JSON.stringify(value)];
}

/** Parameter values as the server will read them (string, or repeated strings). */
function readBack(parameters: readonly Parameter[], raw: Record<string, string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of parameters) {
    const values = raw[p.name];
    if (values !== undefined) out[p.name] = values.length === 1 ? values[0] : values;
  }
  return out;
}

/** Ids seen in responses (any `id` property), offered back as path parameters: real resources, not only 404s. */
class IdPool {
  private readonly ids: string[] = [];
  constructor(private readonly protectedIds: ReadonlySet<string>) {}

  harvest(value: unknown, depth = 0): void {
    if (depth > 5 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) this.harvest(item, depth + 1);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (key === 'id' && typeof child === 'string' && !this.protectedIds.has(child) && !this.ids.includes(child)) this.ids.push(child);
      else this.harvest(child, depth + 1);
    }
  }

  pick(index: number, accept: (id: string) => boolean): string | undefined {
    const usable = this.ids.filter(accept);
    return usable.length ? usable[index % usable.length] : undefined;
  }
}

interface Generation {
  readonly doc: OpenApiDocument;
  readonly validator: DocumentValidator;
  readonly pool: IdPool;
  readonly files: readonly Buffer[];
  readonly seed: number;
}

function parameterArbitrary(g: Generation, p: Parameter): fc.Arbitrary<string[] | undefined> {
  let arb = validArbitrary(g.doc, p.schema).map(serialize);
  if (p.in === 'path') {
    arb = arb.filter((v) => v.length === 1 && v[0] !== '' && v[0] !== '.' && v[0] !== '..');
    // Half the time, an id the API has handed out (when one fits the schema).
    const fits = (id: string) => g.validator.checkParameters([{ ...p, required: true }], { [p.name]: id }) === null;
    arb = fc.tuple(fc.nat(), arb, fc.boolean()).map(([i, generated, fromPool]) => {
      const id = fromPool ? g.pool.pick(i, fits) : undefined;
      return id === undefined ? generated : [id];
    });
  }
  if (p.in === 'header') arb = arb.filter((v) => v.every((s) => PRINTABLE.test(s)));
  return p.required ? arb : fc.option(arb, { nil: undefined });
}

function validRequest(g: Generation, op: Operation): fc.Arbitrary<GeneratedRequest> {
  const params = op.parameters.filter((p) => p.in !== 'cookie');
  const paramArb = fc
    .record(Object.fromEntries(params.map((p) => [p.name, parameterArbitrary(g, p)])) as Record<string, fc.Arbitrary<string[] | undefined>>)
    .map((values) => Object.fromEntries(Object.entries(values).filter((e): e is [string, string[]] => e[1] !== undefined)))
    .filter((values) => g.validator.checkParameters(params, readBack(params, values)) === null);
  const bodyArb = validBody(g, op);
  return fc.tuple(paramArb, op.body?.required ? bodyArb : fc.option(bodyArb, { nil: null, freq: 5 })).map(([values, body]) => assemble(params, values, body, null));
}

function validBody(g: Generation, op: Operation): fc.Arbitrary<GeneratedRequest['body']> {
  const media = Object.entries(op.body?.content ?? {});
  const json = media.find(([type]) => isJsonMediaType(type));
  if (json) {
    const schema = json[1].schema ?? {};
    return validArbitrary(g.doc, schema)
      .filter((v) => g.validator.checkSchema(schema, v) === null)
      .map((v) => ({ contentType: json[0], payload: JSON.stringify(v) }));
  }
  const multipart = media.find(([type]) => type.toLowerCase() === 'multipart/form-data');
  if (multipart) return multipartArbitrary(g, multipart[1].schema ?? {});
  return fc.constant(null);
}

/** A multipart/form-data body from an object schema: binary properties become file parts. */
function multipartArbitrary(g: Generation, raw: JsonSchema): fc.Arbitrary<GeneratedRequest['body']> {
  const schema = raw as { properties?: Record<string, JsonSchema>; required?: string[] };
  const properties = Object.entries(schema.properties ?? {});
  const files = g.files.length ? g.files : [Buffer.from('not a file')];
  const model = Object.fromEntries(
    properties.map(([name, s]) => [
      name,
      (s as { format?: string }).format === 'binary' ? fc.constantFrom<string | Buffer>(...files, Buffer.alloc(0), Buffer.from('%PDF-1.4 not an image')) : validArbitrary(g.doc, s).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
    ]),
  ) as Record<string, fc.Arbitrary<string | Buffer>>;
  return fc.record(model, { requiredKeys: (schema.required ?? []).filter((n) => schema.properties && n in schema.properties) }).map((fields) => {
    const boundary = 'fuzzboundary7MA4YWxkTrZu0gW';
    const chunks: Buffer[] = [];
    // Text fields first, files last (a server may verify a CSRF field before reading a file).
    const ordered = Object.entries(fields).sort(([, a], [, b]) => Number(Buffer.isBuffer(a)) - Number(Buffer.isBuffer(b)));
    for (const [name, value] of ordered) {
      const file = Buffer.isBuffer(value);
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="fuzz.jpg"\r\nContent-Type: image/jpeg' : ''}\r\n\r\n`));
      chunks.push(file ? value : Buffer.from(value), Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return { contentType: `multipart/form-data; boundary=${boundary}`, payload: Buffer.concat(chunks) };
  });
}

function assemble(params: readonly Parameter[], values: Record<string, string[]>, body: GeneratedRequest['body'], negative: string | null): GeneratedRequest {
  const pathValues: Record<string, string> = {};
  const query: Array<[string, string]> = [];
  const headers: Record<string, string> = {};
  for (const p of params) {
    const v = values[p.name];
    if (v === undefined) continue;
    if (p.in === 'path') pathValues[p.name] = v.join(',');
    else if (p.in === 'query') for (const item of v) query.push([p.name, item]);
    else if (p.in === 'header') headers[p.name] = v.join(',');
  }
  return { pathValues, query, headers, body, negative };
}

type Mutation =
  | { readonly kind: 'param'; readonly param: Parameter; readonly values: readonly string[][] }
  | { readonly kind: 'missing'; readonly param: Parameter }
  | { readonly kind: 'body'; readonly values: readonly unknown[] }
  | { readonly kind: 'body-missing' | 'body-malformed' | 'content-type' | 'multipart-malformed' };

const CANDIDATES = 200;

/**
 * The ways a request to `op` can be made invalid. Invalid values are drawn up front (seeded) and
 * kept only when the schema really rejects them, so a schema that accepts anything simply has no
 * such mutation instead of a generator that can never finish.
 */
function mutations(g: Generation, op: Operation): Mutation[] {
  const out: Mutation[] = [];
  for (const p of op.parameters) {
    if (p.in === 'path' || p.in === 'query') {
      const values = fc
        .sample(invalidArbitrary(g.doc, p.schema).map(serialize), { seed: g.seed, numRuns: CANDIDATES })
        // An empty list sends no parameter at all: that is a valid request, not an invalid one.
        .filter((v) => v.length > 0 && v.every((x) => x !== '' || p.in === 'query'))
        .filter((v) => g.validator.checkParameters([{ ...p, required: true }], readBack([p], { [p.name]: v })) !== null);
      if (values.length) out.push({ kind: 'param', param: p, values });
    }
    if (p.in === 'query' && p.required) out.push({ kind: 'missing', param: p });
  }
  const json = Object.entries(op.body?.content ?? {}).find(([type]) => isJsonMediaType(type));
  if (json) {
    const schema = json[1].schema ?? {};
    const values = fc.sample(invalidArbitrary(g.doc, schema), { seed: g.seed, numRuns: CANDIDATES }).filter((v) => g.validator.checkSchema(schema, v) !== null);
    if (values.length) out.push({ kind: 'body', values });
    out.push({ kind: 'body-malformed' });
  }
  if (op.body) out.push({ kind: 'content-type' });
  if (Object.keys(op.body?.content ?? {}).some((type) => type.toLowerCase() === 'multipart/form-data')) out.push({ kind: 'multipart-malformed' });
  if (op.body?.required) out.push({ kind: 'body-missing' });
  return out;
}

function invalidRequest(g: Generation, op: Operation): fc.Arbitrary<GeneratedRequest> | null {
  const kinds = mutations(g, op);
  if (kinds.length === 0) return null;
  const params = op.parameters.filter((p) => p.in !== 'cookie');
  const jsonType = Object.keys(op.body?.content ?? {}).find(isJsonMediaType) ?? 'application/json';
  return fc.tuple(validRequest(g, op), fc.constantFrom(...kinds), fc.nat()).map(([base, mutation, n]) => {
    const values: Record<string, string[]> = {};
    for (const p of params) {
      const v = p.in === 'path' ? base.pathValues[p.name] : p.in === 'header' ? base.headers[p.name] : undefined;
      if (v !== undefined) values[p.name] = [v];
    }
    for (const [name, v] of base.query) (values[name] ??= []).push(v);
    switch (mutation.kind) {
      case 'param': {
        const bad = mutation.values[n % mutation.values.length] ?? [];
        return assemble(params, { ...values, [mutation.param.name]: bad }, base.body, `${mutation.param.in} parameter ${mutation.param.name}=${JSON.stringify(bad)} violates its schema`);
      }
      case 'missing': {
        const rest = { ...values };
        delete rest[mutation.param.name];
        return assemble(params, rest, base.body, `required query parameter ${mutation.param.name} missing`);
      }
      case 'body':
        return assemble(params, values, { contentType: jsonType, payload: JSON.stringify(mutation.values[n % mutation.values.length]) ?? 'null' }, 'request body violates its schema');
      case 'body-missing':
        return assemble(params, values, null, 'required request body missing');
      case 'body-malformed': {
        const texts = ['{', '{"name":', '[1,2', 'nul', '{"a":1}}', '\u0000'];
        return assemble(params, values, { contentType: jsonType, payload: texts[n % texts.length] ?? '{' }, 'malformed JSON body');
      }
      case 'multipart-malformed': {
        const broken: Array<[string, string]> = [
          ['multipart/form-data', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'],
          ['multipart/form-data; boundary=abc', '--xyz\r\nnot a part\r\n'],
          ['multipart/form-data; boundary=abc', '--abc\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\ntruncated'],
          ['multipart/form-data; boundary=' + 'b'.repeat(200), ''],
        ];
        const [type, payload] = broken[n % broken.length] ?? broken[0] ?? ['multipart/form-data', ''];
        return assemble(params, values, { contentType: type, payload }, `malformed multipart body (${type.slice(0, 40)})`);
      }
      case 'content-type': {
        const types = ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/json'].filter(
          (type) => !((type.split(';')[0] ?? type) in (op.body?.content ?? {})),
        );
        const type = types[n % types.length] ?? 'text/plain';
        return assemble(params, values, { contentType: type, payload: base.body?.payload ?? '{}' }, `undocumented request Content-Type ${type}`);
      }
    }
  });
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
