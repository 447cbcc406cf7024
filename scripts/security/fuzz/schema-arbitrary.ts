// fast-check arbitraries from JSON Schema: values a schema accepts (positive cases) and values
// it must reject (negative cases), as Schemathesis generates them from an OpenAPI document.
import fc from 'fast-check';
import { resolve, type JsonSchema, type OpenApiDocument } from './openapi.js';

const MAX_DEPTH = 4;
const MAX_ITEMS = 4;

/** Strings attackers send: injection payloads, control and odd Unicode, path tricks. */
export const HOSTILE_STRINGS: readonly string[] = [
  "' OR '1'='1",
  "1; DROP TABLE users--",
  '" OR ""="',
  '<script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  '{{7*7}}',
  '${7*7}',
  '<%= 7*7 %>',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '\u0000',
  '%00',
  '\r\nSet-Cookie: injected=1',
  '\u202e\u0646\u0635',
  '😀👩‍👩‍👧',
  'null',
  '__proto__',
  'constructor',
  '{"$gt": ""}',
  'a'.repeat(5000),
];

type Schema = JsonSchema & {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return ['string', 'integer', 'boolean', 'null', 'object'];
}

/** Values the schema accepts (best effort: callers re-check with ajv). */
export function validArbitrary(doc: OpenApiDocument, raw: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw) as Schema;
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => validArbitrary(doc, s, depth + 1)));
  if (schema.allOf?.length) return validArbitrary(doc, mergeAllOf(doc, schema), depth + 1);
  return fc.oneof(...typesOf(schema).map((type) => validOfType(doc, schema, type, depth)));
}

function validOfType(doc: OpenApiDocument, schema: Schema, type: string, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = Math.ceil(schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000));
      const max = Math.floor(schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000));
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
    }
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum ?? -1e9;
      const max = schema.maximum ?? schema.exclusiveMaximum ?? 1e9;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'string':
      return validString(schema);
    case 'array': {
      if (depth >= MAX_DEPTH) return fc.constant([]);
      const minLength = schema.minItems ?? 0;
      return fc.array(validArbitrary(doc, schema.items ?? {}, depth + 1), { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)) });
    }
    case 'object': {
      const properties = schema.properties ?? {};
      if (depth >= MAX_DEPTH) return fc.constant({});
      const model = Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, validArbitrary(doc, s, depth + 1)]));
      return fc.record(model, { requiredKeys: (schema.required ?? []).filter((name) => name in properties) });
    }
    default:
      return fc.anything({ maxDepth: 2 });
  }
}

function validString(schema: Schema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 200;
  const fits = (s: string) => [...s].length >= minLength && [...s].length <= maxLength;
  if (schema.pattern) {
    // eslint-disable-next-line security/detect-non-literal-regexp -- the pattern comes from the API's own document
    return fc.stringMatching(new RegExp(schema.pattern, 'u')).filter(fits);
  }
  const byFormat: Record<string, fc.Arbitrary<string>> = {
    'date-time': fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
    date: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    email: fc.emailAddress(),
    uuid: fc.uuid(),
    uri: fc.webUrl(),
    url: fc.webUrl(),
  };
  const formatted = schema.format ? byFormat[schema.format] : undefined;
  if (formatted) return formatted.filter(fits);
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.string({ minLength, maxLength: Math.min(maxLength, 64) }) },
      { weight: 2, arbitrary: fc.string({ minLength, maxLength: Math.min(maxLength, 64), unit: 'grapheme' }) },
      { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    )
    .filter(fits);
}

function mergeAllOf(doc: OpenApiDocument, schema: Schema): Schema {
  const merged: Schema = { ...schema, allOf: undefined };
  for (const part of schema.allOf ?? []) {
    const p = resolve(doc, part) as Schema;
    Object.assign(merged, p, {
      properties: { ...merged.properties, ...p.properties },
      required: [...(merged.required ?? []), ...(p.required ?? [])],
    });
  }
  delete merged.allOf;
  return merged;
}

/**
 * Values the schema should reject: wrong types, broken constraints, missing required or extra
 * properties, one level of nesting deep. Callers keep only those ajv confirms invalid.
 */
export function invalidArbitrary(doc: OpenApiDocument, raw: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw) as Schema;
  const options: Array<fc.Arbitrary<unknown>> = [fc.constantFrom<unknown>(null, true, 12345, -1, 1.5, 'not-valid', '', [], {}, 'a'.repeat(10_001))];
  if (schema.enum) options.push(fc.constantFrom<unknown>('__not_in_enum__', ...HOSTILE_STRINGS));
  const types = typesOf(schema);
  if (types.includes('string')) {
    if (schema.maxLength !== undefined) options.push(fc.string({ minLength: schema.maxLength + 1, maxLength: schema.maxLength + 40 }));
    if (schema.minLength !== undefined && schema.minLength > 0) options.push(fc.string({ maxLength: schema.minLength - 1 }));
    if (schema.pattern || schema.format) options.push(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...HOSTILE_STRINGS)));
  }
  if (types.includes('integer') || types.includes('number')) {
    if (schema.minimum !== undefined) options.push(fc.constantFrom(schema.minimum - 1, schema.minimum - 1000));
    if (schema.maximum !== undefined) options.push(fc.constantFrom(schema.maximum + 1, schema.maximum * 10 + 1));
    if (types.includes('integer')) options.push(fc.constantFrom<unknown>(0.5, '1e400', 'NaN', '0x10'));
  }
  if (types.includes('object') && schema.properties && depth < 2) {
    const valid = validArbitrary(doc, schema, depth + 1) as fc.Arbitrary<Record<string, unknown>>;
    const required = schema.required ?? [];
    if (required.length) options.push(fc.tuple(valid, fc.constantFrom(...required)).map(([value, drop]) => omit(value, drop)));
    if (schema.additionalProperties === false) options.push(valid.map((value) => ({ ...value, __unexpected__: 'x' })));
    const names = Object.keys(schema.properties);
    options.push(
      fc
        .constantFrom(...names)
        .chain((name) => fc.tuple(valid, fc.constant(name), invalidArbitrary(doc, schema.properties?.[name] ?? {}, depth + 1)))
        .map(([value, name, bad]) => ({ ...value, [name]: bad })),
    );
  }
  if (types.includes('array') && schema.items && depth < 2) {
    options.push(fc.array(invalidArbitrary(doc, schema.items, depth + 1), { minLength: 1, maxLength: 3 }));
    if (schema.maxItems !== undefined) options.push(fc.array(validArbitrary(doc, schema.items, depth + 1), { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 3 }));
  }
  return fc.oneof(...options);
}

function omit(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

/**
 * A plain, business-like value for a schema (required properties only, "security-scan" for
 * strings, minimums for numbers), for set-up requests that must succeed; undefined when the
 * schema asks for something this cannot guess (a pattern, a format).
 */
export function friendlyValue(doc: OpenApiDocument, raw: JsonSchema, depth = 0): unknown {
  const schema = resolve(doc, raw) as Schema;
  if ('const' in schema) return schema.const;
  if (schema.enum) return schema.enum[0];
  const first = (schema.anyOf ?? schema.oneOf)?.[0];
  if (first) return friendlyValue(doc, first, depth + 1);
  const type = typesOf(schema)[0];
  if (depth > MAX_DEPTH) return undefined;
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const out: Record<string, unknown> = {};
      for (const name of (schema.required ?? []).filter((n) => n in properties)) out[name] = friendlyValue(doc, properties[name] ?? {}, depth + 1);
      return out;
    }
    case 'string':
      return schema.pattern || schema.format ? undefined : 'security-scan'.padEnd(schema.minLength ?? 0, '-').slice(0, schema.maxLength ?? 64);
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return null;
  }
}
