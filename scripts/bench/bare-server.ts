/**
 * The ceiling for a page on Node: a bare node:http server answering every request with the landing
 * page the app sent (same HTML, same headers), doing only what a correct answer still needs per
 * request: fresh CSP nonces and a fresh request id (in the header and in the page's footer).
 * `node --import tsx scripts/bench/bare-server.ts <capture.json>` prints {"port":N} once listening.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

export interface CapturedPage {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
  readonly requestId: string;
}

const page = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as CapturedPage;
const nonces = [...new Set([...page.headers.map(([, value]) => value).join('\n').matchAll(/'nonce-([^']+)'/g)].map((match) => match[1] ?? ''))];

// Split once at the request id and the nonces, so each answer is a join, as a template engine would do.
const bodyParts = page.body.split(page.requestId);
const templates = new Map<string, (string | number)[][]>();
for (const [name, value] of page.headers) {
  let parts: (string | number)[] = [value];
  [page.requestId, ...nonces].forEach((token, index) => {
    parts = parts.flatMap((part) => (typeof part === 'string' ? part.split(token).flatMap((piece, i) => (i === 0 ? [piece] : [index, piece])) : [part]));
  });
  templates.set(name, [...(templates.get(name) ?? []), parts]);
}
const headerTemplates = [...templates].map(([name, values]) => ({ name, values }));
const fill = (parts: readonly (string | number)[], values: readonly string[]) =>
  parts.length === 1 ? String(parts[0]) : parts.map((part) => (typeof part === 'number' ? values[part] : part)).join('');

createServer((_request, response) => {
  const values = [randomUUID(), ...nonces.map(() => randomBytes(16).toString('hex'))];
  for (const { name, values: list } of headerTemplates) {
    response.setHeader(name, list.length === 1 ? fill(list[0] ?? [], values) : list.map((parts) => fill(parts, values)));
  }
  const body = bodyParts.join(values[0]);
  response.setHeader('content-length', Buffer.byteLength(body));
  response.writeHead(page.status);
  response.end(body);
}).listen(0, '127.0.0.1', function (this: import('node:net').Server) {
  const address = this.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
