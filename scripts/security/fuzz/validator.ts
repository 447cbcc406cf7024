import ajvModule, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { JsonSchema, OpenApiDocument, Parameter } from './openapi.js';

// OpenAPI's own format names (data-type annotations, not validation rules).
const OPENAPI_FORMATS = ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password'];
const DOC_ID = 'openapi.json';

// ajv is CommonJS: under NodeNext its class is the module's `default` export property.
const Ajv2020 = ajvModule.default;
type Ajv = InstanceType<typeof Ajv2020>;

function newAjv(coerce: boolean): Ajv {
  // strict: false — the document carries OpenAPI keywords (discriminator, xml, example) JSON Schema does not know.
  const ajv = new Ajv2020({ strict: false, allErrors: false, logger: false, ...(coerce ? { coerceTypes: 'array' as const } : {}) });
  addFormats.default(ajv);
  for (const name of OPENAPI_FORMATS) ajv.addFormat(name, true);
  return ajv;
}

/**
 * Validates values against schemas inside the OpenAPI document (the response check, and the
 * fuzzer's own check that a "valid" request is valid and an "invalid" one is not). Parameters are
 * validated the way Fastify reads them: strings coerced to the schema's types.
 */
export class DocumentValidator {
  private readonly strict = newAjv(false);
  private readonly coercing = newAjv(true);
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDocument) {
    const normal = /^3\.0\./.test(doc.openapi) ? nullableToAnyOf(doc) : doc;
    this.strict.addSchema(normal as object, DOC_ID);
    this.coercing.addSchema(normal as object, DOC_ID);
  }

  /** Errors of `value` against the schema at `pointer` ("#/paths/..."), or null when valid. */
  check(pointer: string, value: unknown): string | null {
    return this.run(this.strict, `s${pointer}`, { $ref: `${DOC_ID}${pointer}` }, value);
  }

  /** Checks parameter values as the server reads them: strings, coerced to the schemas' types. */
  checkParameters(parameters: readonly Parameter[], values: Record<string, unknown>): string | null {
    if (parameters.length === 0) return null;
    const schema = {
      type: 'object',
      properties: Object.fromEntries(parameters.map((p) => [p.name, p.schema])),
      required: parameters.filter((p) => p.required).map((p) => p.name),
    };
    return this.checkSchema(schema, structuredClone(values), true);
  }

  /** Checks a schema taken out of the document (its local $refs still point into the document). */
  checkSchema(schema: JsonSchema, value: unknown, coerce = false): string | null {
    const rebased = rebase(schema);
    return this.run(coerce ? this.coercing : this.strict, `${coerce ? 'c' : 'x'}${JSON.stringify(rebased)}`, rebased as object, value);
  }

  private run(ajv: Ajv, key: string, schema: object, value: unknown): string | null {
    let validate = this.cache.get(key);
    if (!validate) {
      validate = ajv.compile(schema);
      this.cache.set(key, validate);
    }
    if (validate(value)) return null;
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`).join('; ');
  }
}

/** Local references ("#/components/...") made absolute, so a schema compiles outside the document. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, key === '$ref' && typeof child === 'string' && child.startsWith('#') ? `${DOC_ID}${child}` : rebase(child)]));
}

/** OpenAPI 3.0 `nullable: true` as JSON Schema: anyOf [schema, null]. */
function nullableToAnyOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullableToAnyOf);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) if (key !== 'nullable') out[key] = nullableToAnyOf(child);
  return (value as { nullable?: unknown }).nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}
