import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

/** An in-process HTTP client with a cookie jar, like one browser profile. */
export class TestClient {
  readonly cookies = new Map<string, string>();
  /** The client address the app sees (inject's default is 127.0.0.1); set it to keep per-address throttling apart. */
  remoteAddress: string | undefined;

  constructor(
    readonly app: FastifyInstance,
    readonly defaultHeaders: Record<string, string> = {},
  ) {}

  async request(options: InjectOptions & { url: string }): Promise<LightMyRequestResponse> {
    const cookieHeader = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await this.app.inject({
      ...(this.remoteAddress === undefined ? {} : { remoteAddress: this.remoteAddress }),
      ...options,
      headers: { ...this.defaultHeaders, ...(cookieHeader ? { cookie: cookieHeader } : {}), ...(options.headers ?? {}) },
    });
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now()) || cookie.value === '';
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  get(url: string, headers: Record<string, string> = {}) {
    return this.request({ method: 'GET', url, headers });
  }

  /** POSTs an urlencoded form. */
  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.request({
      method: 'POST',
      url,
      payload: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  /** The CSRF token from the hidden input of the page at `url`. */
  async csrfFrom(url: string): Promise<string> {
    const page = await this.get(url);
    const token = extractCsrf(page.body);
    if (!token) throw new Error(`no CSRF token on ${url} (status ${page.statusCode})`);
    return token;
  }

  /** GETs the form page, then POSTs the form with its CSRF token. */
  async submit(pageUrl: string, form: Record<string, string>, actionUrl = pageUrl, headers: Record<string, string> = {}) {
    const token = await this.csrfFrom(pageUrl);
    return this.post(actionUrl, { _csrf: token, ...form }, headers);
  }

  async signup(username: string, password = STRONG_PASSWORD, email = `${username}@example.com`) {
    return this.submit('/accounts/signup/', { username, email, password1: password, password2: password });
  }

  async login(username: string, password = STRONG_PASSWORD, next = '') {
    return this.submit('/accounts/login/', { username, password, next });
  }

  async signupAndLogin(username: string, password = STRONG_PASSWORD) {
    const signup = await this.signup(username, password);
    if (signup.statusCode !== 303) throw new Error(`signup failed: ${signup.statusCode} ${signup.body.slice(0, 500)}`);
    const login = await this.login(username, password);
    if (login.statusCode !== 303) throw new Error(`login failed: ${login.statusCode}`);
    return login;
  }
}

// Strong for zxcvbn yet cheap for it to rate (a password with digits and separators costs it ~10x more).
export const STRONG_PASSWORD = 'violet harbour lantern whisk';

export function extractCsrf(html: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
}

let addressCounter = 0;
/** A client with a client address of its own under `10.<subnet>.`, so per-address throttling never couples two tests. */
export function clientWithOwnAddress(app: FastifyInstance, subnet: number): TestClient {
  const client = new TestClient(app);
  addressCounter += 1;
  client.remoteAddress = `10.${subnet}.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
  return client;
}
