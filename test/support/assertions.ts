import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';

/** The text of each `<li>` in the error list with the given id (e.g. "password1-errors"). */
export function fieldErrors(html: string, listId: string): string[] {
  const list = new RegExp(`<ul class="field-errors" id="${listId}">(.*?)</ul>`, 's').exec(html)?.[1];
  if (!list) return [];
  return [...list.matchAll(/<li>(.*?)<\/li>/gs)].map((m) => decodeEntities(m[1] ?? ''));
}

/** The value attribute of the input named `name`, or null when it has none. */
export function inputValue(html: string, name: string): string | null {
  // Attribute values may hold a raw ">" (only <, & and " need escaping there), so skip quoted runs.
  const tag = new RegExp(`<input(?:[^>"]|"[^"]*")*?\\sname="${name}"(?:[^>"]|"[^"]*")*>`).exec(html)?.[0];
  if (!tag) throw new Error(`no input named ${name}`);
  const value = /\svalue="([^"]*)"/.exec(tag)?.[1];
  return value === undefined ? null : decodeEntities(value);
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}

// What must never reach a client: stack frames, source paths, SQL or driver messages.
const LEAKS: readonly RegExp[] = [
  /\bat [\w.<>]+ \(/, // stack frame "at fn ("
  /\bat (?:file:\/\/|\/)[^\s]+:\d+:\d+/, // stack frame "at /path/file.js:1:2"
  /node_modules/,
  /\/work\//,
  /\/src\/[\w/-]+\.tsx?/,
  /\.(?:ts|js):\d+/,
  /\b(?:SqliteError|SQLITE_\w+|DatabaseError|QueryFailedError|TypeError|ReferenceError|RangeError)\b/,
  /\bselect\b[^<]*\bfrom\b/i,
  /\binsert into\b/i,
  /\bno such table\b/i,
  /\brelation "[^"]*" does not exist\b/i,
  /\bFST_[A-Z_]+\b/,
  /"stack"/,
];

/**
 * Asserts the response body holds no stack trace, file path or SQL text. `echoed` are inputs the
 * page legitimately shows back (e.g. a username kept in the form); they are left out of the check.
 */
export function expectNoLeak(response: LightMyRequestResponse | { body: string }, echoed: readonly string[] = []): void {
  let body = decodeEntities(response.body);
  for (const text of echoed) if (text !== '') body = body.split(text).join('');
  for (const pattern of LEAKS) expect(body, `body leaks ${pattern}`).not.toMatch(pattern);
}

export function expectProblem(response: LightMyRequestResponse, status: number, code?: string): Record<string, unknown> {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json<Record<string, unknown>>();
  expect(problem).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  if (code !== undefined) expect(problem.code).toBe(code);
  expect(problem.request_id).toBe(response.headers['x-request-id']);
  return problem;
}

/** The raw Set-Cookie line for cookie `name`, or undefined. */
export function setCookieLine(response: LightMyRequestResponse, name: string): string | undefined {
  const header = response.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.find((line) => line.startsWith(`${name}=`));
}

/** The attributes of a Set-Cookie line, lower-cased names mapped to their values ('' for flags). */
export function cookieAttributes(line: string): Map<string, string> {
  const [, ...attributes] = line.split(';');
  return new Map(
    attributes.map((attribute) => {
      const [key = '', ...value] = attribute.trim().split('=');
      return [key.toLowerCase(), value.join('=')] as const;
    }),
  );
}
