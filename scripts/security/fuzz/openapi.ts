// The parts of an OpenAPI 3.x document the fuzzer reads: operations, their parameters, request
// bodies, responses and security requirements, with local `$ref`s resolved.

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
  security?: SecurityRequirement[];
}

export type SecurityRequirement = Record<string, string[]>;

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required: boolean;
  readonly schema: JsonSchema;
}

export interface MediaTypes {
  readonly [mediaType: string]: { readonly schema?: JsonSchema };
}

export interface Operation {
  /** operationId, or "METHOD path". */
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body: { readonly required: boolean; readonly content: MediaTypes } | null;
  readonly responses: Readonly<Record<string, { readonly content?: MediaTypes }>>;
  /** Effective requirements: [] means public; alternatives are OR-ed (OpenAPI 3 semantics). */
  readonly security: readonly SecurityRequirement[];
  /** The JSON pointer of the operation in the document, for schema references. */
  readonly pointer: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Follows a local `$ref` ("#/components/..."); other references are returned unresolved. */
export function resolve<T>(doc: OpenApiDocument, value: T): T {
  let current: unknown = value;
  for (let depth = 0; depth < 32; depth++) {
    const ref = (current as { $ref?: unknown } | null)?.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return current as T;
    current = ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
  }
  throw new Error('$ref chain too deep');
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  if (!/^3\./.test(doc.openapi ?? '')) throw new Error(`not an OpenAPI 3 document (openapi: ${String(doc.openapi)})`);
  const out: Operation[] = [];
  for (const [path, rawItem] of Object.entries(doc.paths ?? {})) {
    const item = resolve(doc, rawItem);
    const shared = (item['parameters'] as unknown[] | undefined) ?? [];
    for (const method of METHODS) {
      const raw = item[method] as Record<string, unknown> | undefined;
      if (!raw) continue;
      const parameters = new Map<string, Parameter>();
      for (const p of [...shared, ...((raw['parameters'] as unknown[] | undefined) ?? [])]) {
        const param = resolve(doc, p) as { name: string; in: Parameter['in']; required?: boolean; schema?: JsonSchema };
        parameters.set(`${param.in}:${param.name}`, { name: param.name, in: param.in, required: param.in === 'path' || param.required === true, schema: param.schema ?? {} });
      }
      const body = raw['requestBody'] ? (resolve(doc, raw['requestBody']) as { required?: boolean; content?: MediaTypes }) : null;
      const responses: Record<string, { content?: MediaTypes }> = {};
      for (const [status, response] of Object.entries((raw['responses'] as Record<string, unknown> | undefined) ?? {})) {
        responses[status] = resolve(doc, response) as { content?: MediaTypes };
      }
      out.push({
        id: typeof raw['operationId'] === 'string' ? raw['operationId'] : `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: [...parameters.values()],
        body: body ? { required: body.required === true, content: body.content ?? {} } : null,
        responses,
        security: (raw['security'] as SecurityRequirement[] | undefined) ?? doc.security ?? [],
        pointer: `#/paths/${escapePointer(path)}/${method}`,
      });
    }
  }
  return out;
}

/** The documented response for a status: exact code, then 4XX-style range, then default. */
export function documentedResponse(op: Operation, status: number): { key: string; content?: MediaTypes } | null {
  for (const key of [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, 'default']) {
    const response = op.responses[key];
    if (response) return { key, ...response };
  }
  return null;
}

export function isJsonMediaType(mediaType: string): boolean {
  const mime = (mediaType.split(';')[0] ?? '').trim().toLowerCase();
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

/** Does the response's Content-Type match a documented media type (wildcards allowed)? */
export function matchMediaType(actual: string, documented: readonly string[]): string | null {
  const mime = actual.split(';')[0]?.trim().toLowerCase() ?? '';
  for (const candidate of documented) {
    const c = candidate.toLowerCase();
    if (c === mime || c === '*/*' || (c.endsWith('/*') && mime.startsWith(c.slice(0, -1)))) return candidate;
  }
  return null;
}
