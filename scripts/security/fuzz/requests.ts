// Requests from an operation's schemas: valid ones (parameters, JSON and multipart bodies) and
// invalid ones (one thing broken at a time), all as fast-check arbitraries.
import fc from 'fast-check';
import { isJsonMediaType, type JsonSchema, type OpenApiDocument, type Operation, type Parameter } from './openapi.js';
import { invalidArbitrary, validArbitrary } from './schema-arbitrary.js';
import type { DocumentValidator } from './validator.js';

export interface GeneratedRequest {
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
export class IdPool {
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

export interface Generation {
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

export function validRequest(g: Generation, op: Operation): fc.Arbitrary<GeneratedRequest> {
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

export function invalidRequest(g: Generation, op: Operation): fc.Arbitrary<GeneratedRequest> | null {
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
