import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/catalog.js';
import { requestHook } from './hooks.js';

const MAX_FIELD_LENGTH = 8192;

/**
 * Parses an application/x-www-form-urlencoded string strictly: a malformed %-escape, bytes that
 * are not UTF-8 or a NUL character make the whole input malformed (400) instead of being kept as
 * literal text or replaced. A repeated name becomes an array, which readForm() refuses.
 */
export function parseUrlEncoded(text: string, what = 'form'): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq), what);
    const value = decodeComponent(eq < 0 ? '' : pair.slice(eq + 1), what);
    const previous = out[name];
    if (previous === undefined) out[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else out[name] = [previous, value];
  }
  return out;
}

function decodeComponent(raw: string, what: string): string {
  // A raw U+FFFD is what the body's UTF-8 decoding left of bytes that are not UTF-8.
  if (raw.includes('\uFFFD')) throw malformed(what);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw malformed(what);
  }
  if (decoded.includes('\u0000')) throw new AppError('bad_request', { detail: `The ${what} contains a NUL character.` });
  return decoded;
}

function malformed(what: string): AppError {
  return new AppError('bad_request', { detail: `The ${what} is not valid UTF-8 or has a malformed %-escape.` });
}

const MALFORMED_QUERY = Symbol('malformed query string');

/**
 * The router's query-string parser: parseUrlEncoded's strict rules, parsed once per request. The
 * router calls it while matching, where an exception would not reach the error handler, so a
 * malformed query string becomes an object carrying the error, which registerQueryStringCheck
 * then answers with 400 before any handler reads the query.
 */
export function parseQueryString(text: string): Record<string, string | string[]> {
  if (text === '') return Object.create(null) as Record<string, string | string[]>;
  try {
    return parseUrlEncoded(text, 'address');
  } catch (error) {
    const malformed = Object.create(null) as Record<string | symbol, unknown>;
    malformed[MALFORMED_QUERY] = error;
    return malformed as Record<string, string | string[]>;
  }
}

/** Refuses, with 400, any request whose query string is not well-formed (see parseQueryString). */
export function registerQueryStringCheck(app: FastifyInstance): void {
  app.addHook(
    'onRequest',
    requestHook((request) => {
      const query = request.query as Record<string | symbol, unknown> | undefined;
      const problem = query?.[MALFORMED_QUERY];
      if (problem instanceof Error) throw problem;
      if (problem !== undefined) throw new AppError('bad_request');
    }),
  );
}

/**
 * Reads the named fields of an urlencoded form body as strings. A missing field is ''.
 * A repeated field, a non-text value, a NUL byte or an oversized value is malformed input: 400.
 */
export function readForm<K extends string>(body: unknown, fields: readonly K[]): Record<K, string> {
  if (body !== undefined && body !== null && typeof body !== 'object') throw new AppError('bad_request');
  const source = (body ?? {}) as Record<string, unknown>;
  const out = {} as Record<K, string>;
  for (const field of fields) {
    out[field] = checkFieldValue(field, Object.hasOwn(source, field) ? source[field] : '', 'was sent more than once or is not text');
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

/**
 * Reads a field a form may repeat (checkboxes, several hidden inputs) as a list of strings; a
 * missing field is an empty list. A non-text value, a NUL byte or an oversized value is a 400, as
 * in readForm; how many values are acceptable is for the caller to say.
 */
export function readFormList(body: unknown, field: string): string[] {
  if (body !== undefined && body !== null && typeof body !== 'object') throw new AppError('bad_request');
  const source = (body ?? {}) as Record<string, unknown>;
  const raw = Object.hasOwn(source, field) ? source[field] : [];
  const values: unknown[] = Array.isArray(raw) ? raw : [raw];
  return values.map((value) => checkFieldValue(field, value, 'is not text'));
}

function checkFieldValue(field: string, value: unknown, notText: string): string {
  if (typeof value !== 'string') throw new AppError('bad_request', { detail: `The field “${field}” ${notText}.` });
  if (value.length > MAX_FIELD_LENGTH) throw new AppError('bad_request', { detail: `The field “${field}” is too long.` });
  if (value.includes('\u0000')) throw new AppError('bad_request', { detail: `The field “${field}” contains a NUL character.` });
  return value;
}

/** A `?page=N` parameter: 1 when absent; a 400 when it is not a whole number from 1 to `max`. */
export function parsePageNumber(raw: string | null, max: number): number {
  if (raw === null || raw === '') return 1;
  if (!/^\d{1,7}$/.test(raw)) throw new AppError('bad_request', { detail: 'The page number must be a whole number.' });
  const page = Number(raw);
  if (page < 1 || page > max) throw new AppError('bad_request', { detail: 'The page number is out of range.' });
  return page;
}
