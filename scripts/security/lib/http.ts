import http from 'node:http';

/** One HTTP exchange as a scanner sees it: exactly what was sent and what came back. */
export interface HttpRequest {
  readonly method: string;
  /** The raw request target, sent as is (no dot-segment normalisation, no re-encoding). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers (other than set-cookie) joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly setCookies: readonly string[];
  readonly body: string;
  readonly bytes: Buffer;
}

export interface Exchange {
  readonly request: HttpRequest & { readonly url: string };
  readonly response: HttpResponse;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const TIMEOUT_MS = 20_000;

/** Sends one request over a real socket to `origin` (http only: scanners run against loopback or a proxy). */
export async function send(origin: string, request: HttpRequest): Promise<HttpResponse> {
  try {
    return await sendOnce(origin, request, agent);
  } catch (error) {
    // A kept-alive socket the server had just closed (e.g. after refusing a malformed request):
    // the request never reached it, so one retry on a fresh connection is safe (Node's documented pattern).
    if ((error as { reusedSocket?: boolean }).reusedSocket) return sendOnce(origin, request, false);
    throw error;
  }
}

function sendOnce(origin: string, request: HttpRequest, via: http.Agent | false): Promise<HttpResponse> {
  const target = new URL(origin);
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body);
  const headers: Record<string, string> = { ...request.headers };
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent: via, host: target.hostname, port: target.port, method: request.method, path: request.path, headers, timeout: TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (name === 'set-cookie' || value === undefined) continue;
            out[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers: out, setCookies: res.headers['set-cookie'] ?? [], body: bytes.toString('utf8'), bytes });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${request.method} ${request.path}: no answer in ${TIMEOUT_MS} ms`)));
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end(body);
  });
}

/** A cookie jar and default headers: one browser profile (or one API client). */
export class HttpSession {
  readonly cookies = new Map<string, string>();
  /** Every exchange, for the passive checks that look at all traffic. */
  readonly history: Exchange[] = [];

  constructor(
    readonly origin: string,
    readonly defaultHeaders: Readonly<Record<string, string>> = {},
    private readonly record = true,
  ) {}

  /** The origin a browser would send: https when a proxy header says the connection is TLS. */
  get browserOrigin(): string {
    return this.defaultHeaders['x-forwarded-proto'] === 'https' ? this.origin.replace(/^http:/, 'https:') : this.origin;
  }

  async request(request: HttpRequest & { readonly cookies?: boolean }): Promise<HttpResponse> {
    const cookieHeader = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers = { ...this.defaultHeaders, ...(request.cookies === false || cookieHeader === '' ? {} : { cookie: cookieHeader }), ...request.headers };
    const sent = { ...request, headers };
    const response = await send(this.origin, sent);
    this.absorbCookies(response.setCookies);
    if (this.record) this.history.push({ request: { ...sent, url: this.origin + request.path }, response });
    return response;
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request({ method: 'GET', path, headers });
  }

  /** POSTs an urlencoded form (fields in the order given). */
  postForm(path: string, fields: ReadonlyArray<readonly [string, string]> | Record<string, string>, headers: Record<string, string> = {}) {
    const entries = Array.isArray(fields) ? fields : Object.entries(fields);
    const body = new URLSearchParams(entries as Array<[string, string]>).toString();
    return this.request({ method: 'POST', path, body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...sameOrigin(this.browserOrigin), ...headers } });
  }

  postJson(path: string, value: unknown, headers: Record<string, string> = {}) {
    return this.request({ method: 'POST', path, body: JSON.stringify(value), headers: { 'content-type': 'application/json', ...headers } });
  }

  private absorbCookies(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const cookie = parseSetCookie(line);
      if (cookie.expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }
}

/** What a browser sends on a same-origin form post. */
export function sameOrigin(origin: string): Record<string, string> {
  return { origin };
}

export interface SetCookie {
  readonly name: string;
  readonly value: string;
  /** Attribute names in lower case; flag attributes map to ''. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly expired: boolean;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
  const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const at = part.indexOf('=');
    attributes.set((at < 0 ? part : part.slice(0, at)).trim().toLowerCase(), at < 0 ? '' : part.slice(at + 1).trim());
  }
  const maxAge = attributes.get('max-age');
  const expires = attributes.get('expires');
  const expired = value === '' || (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) < Date.now());
  return { name, value, attributes, expired };
}

/** A request as a copy-pasteable curl command line, for findings. */
export function toCurl(origin: string, request: HttpRequest): string {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const parts = ['curl', '-i', '--path-as-is', '-X', request.method, quote(origin + request.path)];
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    parts.push('-H', quote(`${name}: ${/^(cookie|authorization|x-csrf-token)$/i.test(name) ? redact(value) : value}`));
  }
  if (request.body !== undefined) {
    const text = Buffer.isBuffer(request.body) ? `<${request.body.length} bytes>` : request.body;
    parts.push('--data-binary', quote(text.length > 600 ? `${text.slice(0, 600)}…` : text));
  }
  return parts.join(' ');
}

// Findings are printed in CI logs: credentials are shortened, names kept.
function redact(value: string): string {
  const shorten = (secret: string) => (secret.length > 8 ? `${secret.slice(0, 6)}…` : secret);
  if (/^bearer\s/i.test(value)) return `Bearer ${shorten(value.replace(/^bearer\s+/i, ''))}`;
  if (value.includes('=')) {
    return value
      .split(/;\s*/)
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq < 0 ? pair : `${pair.slice(0, eq)}=${shorten(pair.slice(eq + 1))}`;
      })
      .join('; ');
  }
  return shorten(value);
}
