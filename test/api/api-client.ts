import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { TestClient } from '../support/client.js';
import type { TestApp } from '../support/app.js';

/** Test apps for API suites: sign-ups and logins are not what is under test here. */
export const API_TEST_ENV = { SIGNUP_RATE_LIMIT: '100000', LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' };

export const TOKEN_PATTERN = /pv_[A-Za-z0-9_-]{43}/;

/** A browser-like client signed in as a new user. */
export async function signedIn(t: TestApp, username: string): Promise<TestClient> {
  const client = new TestClient(t.app);
  await client.signupAndLogin(username);
  return client;
}

/** The session's CSRF token for JSON requests, from the API. */
export async function apiCsrfToken(client: TestClient): Promise<string> {
  const res = await client.get('/api/v1/csrf-token');
  expect(res.statusCode).toBe(200);
  return (res.json() as { token: string }).token;
}

/** A JSON request with the session cookie and (unless `csrf` is null) the CSRF header. */
export async function sessionJson(client: TestClient, method: 'POST' | 'DELETE', url: string, body?: unknown, csrf?: string | null): Promise<LightMyRequestResponse> {
  const token = csrf === undefined ? await apiCsrfToken(client) : csrf;
  return client.request({
    method,
    url,
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === null ? {} : { 'x-csrf-token': token }) },
  });
}

export interface CreatedToken {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly token: string;
}

/** Creates an API token through the JSON API with the client's session. */
export async function createToken(client: TestClient, name: string): Promise<CreatedToken> {
  const res = await sessionJson(client, 'POST', '/api/v1/tokens', { name });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as CreatedToken;
}

/** A request with only a Bearer token: no cookies at all. */
export function withBearer(t: TestApp, token: string, options: { method?: 'GET' | 'POST' | 'DELETE'; url: string; body?: unknown; authorization?: string }) {
  return t.app.inject({
    method: options.method ?? 'GET',
    url: options.url,
    headers: {
      authorization: options.authorization ?? `Bearer ${token}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}

/** Asserts an RFC 9457 problem document with the given status and catalog code. */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}
