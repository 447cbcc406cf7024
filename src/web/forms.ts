import { AppError } from '../errors/catalog.js';

const MAX_FIELD_LENGTH = 8192;

/**
 * Reads the named fields of an urlencoded form body as strings. A missing field is ''.
 * A repeated field, a non-text value, a NUL byte or an oversized value is malformed input: 400.
 */
export function readForm<K extends string>(body: unknown, fields: readonly K[]): Record<K, string> {
  if (body !== undefined && body !== null && typeof body !== 'object') throw new AppError('bad_request');
  const source = (body ?? {}) as Record<string, unknown>;
  const out = {} as Record<K, string>;
  for (const field of fields) {
    const value = Object.hasOwn(source, field) ? source[field] : '';
    if (typeof value !== 'string') throw new AppError('bad_request', { detail: `The field “${field}” was sent more than once or is not text.` });
    if (value.length > MAX_FIELD_LENGTH) throw new AppError('bad_request', { detail: `The field “${field}” is too long.` });
    if (value.includes('\u0000')) throw new AppError('bad_request', { detail: `The field “${field}” contains a NUL character.` });
    out[field] = value;
  }
  return out;
}

/** Reads one query-string parameter as a string, or null when absent; repeated values are refused. */
export function readQueryParam(query: unknown, name: string): string | null {
  if (!query || typeof query !== 'object') return null;
  const value = Object.hasOwn(query, name) ? (query as Record<string, unknown>)[name] : undefined;
  if (value === undefined) return null;
  if (typeof value !== 'string') throw new AppError('bad_request', { detail: `The parameter “${name}” was sent more than once.` });
  if (value.length > MAX_FIELD_LENGTH) throw new AppError('uri_too_long');
  return value;
}
