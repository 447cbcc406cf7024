import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

// ajv-formats is CommonJS: under NodeNext its function is the `default` of module.exports.
const addFormats = addFormatsModule.default;

/** The parts of /openapi.json a response check reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, object> };
}

/** The response conforms to the operation's documented schema (what the fuzzer checks too). */
export function expectConforms(document: OpenApiDocument, path: string, method: string, status: number, body: unknown, contentType = 'application/json'): void {
  const schema = document.paths[path]?.[method]?.responses[String(status)]?.content?.[contentType]?.schema;
  expect(schema, `${method} ${path} ${status} documented`).toBeDefined();
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  for (const [name, s] of Object.entries(document.components.schemas)) ajv.addSchema(s, `#/components/schemas/${name}`);
  const validate = ajv.compile({ ...(schema as object), components: document.components });
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
}
