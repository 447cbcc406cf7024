import { extractCsrf } from '../support/client.js';
import { multipartBody, type Part } from '../support/multipart.js';

/** A browser-like client over a real socket: a cookie jar, manual redirects, CSRF tokens from forms. */
export class HttpSession {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  async request(path: string, init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; text: string }> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(new URL(path, this.origin), {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : new Uint8Array(init.body) }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  async csrfFrom(path: string): Promise<string> {
    const token = extractCsrf((await this.request(path)).text);
    if (!token) throw new Error(`no CSRF token on ${path}`);
    return token;
  }

  /** GETs the form page and POSTs the form with its token, like a browser (same-origin Origin header). */
  async submit(pagePath: string, form: Record<string, string>, actionPath = pagePath) {
    const token = await this.csrfFrom(pagePath);
    return this.request(actionPath, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: token, ...form }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin },
    });
  }

  async upload(file: Buffer, filename = 'harbour.jpg') {
    const token = await this.csrfFrom('/photos/upload/');
    const parts: Part[] = [
      { name: '_csrf', value: token },
      { name: 'image', value: file, filename, contentType: 'image/jpeg' },
    ];
    const body = multipartBody(parts);
    return this.request('/photos/upload/', { method: 'POST', body: body.payload, headers: { 'content-type': body.contentType, origin: this.origin } });
  }
}
