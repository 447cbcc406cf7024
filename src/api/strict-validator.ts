import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifySchema } from 'fastify';

type ValidatorCompiler = typeof TypeBoxValidatorCompiler;

const CANONICAL_INTEGER = /^-?(0|[1-9][0-9]{0,14})$/;

/**
 * TypeBox's validator converts query and path strings before checking them, and its conversion is
 * lenient: "1.5", "true", "0x1" and " 1" all become 1. An API that accepts what its document says
 * it refuses is one a fuzzer (rightly) fails, so integer fields must be written as integers.
 */
export const strictValidatorCompiler: ValidatorCompiler = (route) => {
  const check = TypeBoxValidatorCompiler(route);
  if (route.httpPart !== 'querystring' && route.httpPart !== 'params') return check;
  const integers = integerProperties(route.schema);
  if (integers.length === 0) return check;
  return (value: unknown) => {
    const input = (value ?? {}) as Record<string, unknown>;
    for (const name of integers) {
      const raw = input[name];
      if (raw !== undefined && !(typeof raw === 'string' && CANONICAL_INTEGER.test(raw))) {
        return { error: [{ keyword: 'type', instancePath: `/${name}`, schemaPath: '', params: {}, message: 'must be an integer' }] };
      }
    }
    return check(value);
  };
};

function integerProperties(schema: FastifySchema): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {};
  return Object.entries(properties)
    .filter(([, property]) => property.type === 'integer')
    .map(([name]) => name);
}
