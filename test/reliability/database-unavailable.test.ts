import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/errors/database-unavailable.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { findFreePort } from '../support/clamd.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', withCode('ECONNRESET')],
    ['57P01 admin_shutdown', withCode('57P01', 'terminating connection due to administrator command')],
    ['57P03 cannot_connect_now', withCode('57P03', 'the database system is starting up')],
    ['08006 connection_failure', withCode('08006')],
    ['08001 sqlclient_unable_to_establish_sqlconnection', withCode('08001')],
    ['53300 too_many_connections', withCode('53300')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a client broken earlier', new Error('Client has encountered a connection error and is not queryable')],
    ['the pool giving up', new Error('timeout exceeded when trying to connect')],
    ['a wrapped refusal', new Error('query failed', { cause: withCode('ECONNREFUSED') })],
    ['an AggregateError of refusals', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed')],
  ])('recognises %s', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error', withCode('42601')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['SQLite constraint', withCode('SQLITE_CONSTRAINT_UNIQUE')],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('does not take %s for an outage', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('recognises what node-postgres really throws for a closed port', async () => {
    const port = await findFreePort();
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/none`, connectionTimeoutMillis: 2_000 });
    const error: unknown = await client.connect().then(() => undefined, (e: unknown) => e);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('recognises what node-postgres throws when the server hangs up mid-query', async () => {
    // A "server" that accepts the connection, then closes it without a word.
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/none` });
      client.on('error', () => undefined);
      const error: unknown = await client.connect().then(() => undefined, (e: unknown) => e);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe('the error mapper with the database unavailable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', {}, {
      beforeReady: (app) => {
        app.get('/test-outage', { config: { public: true } }, async () => {
          throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });
        });
        app.get('/test-bug', { config: { public: true } }, async () => {
          throw new Error('a bug');
        });
      },
    });
  });
  afterAll(() => t.close());

  it('answers 503 with Retry-After and the catalog message, nothing of the driver', async () => {
    const res = await t.app.inject({ url: '/test-outage', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ status: 503, code: 'service_unavailable', detail: 'The service is not ready. Try again shortly.' });
    expect(res.body).not.toMatch(/57P01|administrator|FATAL|\bat /);

    const page = await t.app.inject({ url: '/test-outage' });
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toMatch(/57P01|administrator/);
  });

  it('still answers any other error 500, without Retry-After', async () => {
    const res = await t.app.inject({ url: '/test-bug', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
  });
});
