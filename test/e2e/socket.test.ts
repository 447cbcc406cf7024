import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCsrf, STRONG_PASSWORD } from '../support/client.js';
import { startListeningApp, type ListeningApp } from '../support/server.js';

/** The account journey through a real listening socket, as curl would do it. */
describe('through a real socket', () => {
  let server: ListeningApp;
  const jar = new Map<string, string>();

  async function http(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(server.origin + path, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      const expired = attributes.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === '') jar.delete(name.trim());
      else jar.set(name.trim(), value.trim());
    }
    return response;
  }

  async function postForm(path: string, fields: Record<string, string>) {
    return http(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { origin: server.origin, 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  beforeAll(async () => {
    server = await startListeningApp('sqlite');
  });
  afterAll(() => server.close());

  it('serves the landing page with security headers and a request id', async () => {
    const response = await http('/?name=%7B%7B7*6%7D%7D');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Hello, {{7*6}}!');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('signs up, logs in, sees the gallery and logs out', async () => {
    let csrf = extractCsrf(await (await http('/accounts/signup/')).text()) ?? '';
    const signup = await postForm('/accounts/signup/', { _csrf: csrf, username: 'socket_user', email: 'socket@example.com', password1: STRONG_PASSWORD, password2: STRONG_PASSWORD });
    expect(signup.status).toBe(303);
    expect(signup.headers.get('location')).toMatch(/^\/accounts\/login\//);

    const anonymous = await http('/photos/');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/accounts/login/?next=%2Fphotos%2F');

    csrf = extractCsrf(await (await http('/accounts/login/?next=%2Fphotos%2F')).text()) ?? '';
    const login = await postForm('/accounts/login/', { _csrf: csrf, username: 'socket_user', password: STRONG_PASSWORD, next: '/photos/' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/photos/');
    expect(login.headers.getSetCookie().join('\n')).toMatch(/pv_session=[^;]+;.*HttpOnly/i);

    const gallery = await http('/photos/');
    expect(gallery.status).toBe(200);
    expect(gallery.headers.get('cache-control')).toBe('max-age=0, no-cache, no-store, must-revalidate, private');
    const html = await gallery.text();
    expect(html).toContain('You have no photos yet.');

    csrf = extractCsrf(html) ?? '';
    const logout = await postForm('/accounts/logout/', { _csrf: csrf });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('location')).toBe('/accounts/login/');
    expect((await http('/photos/')).status).toBe(303);
  });
});
