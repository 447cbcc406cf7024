import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFuzz } from '../../scripts/security/fuzz.js';

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

// The document the planted app serves: three operations, one correct and two with planted bugs.
const DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'planted', version: '1' },
  components: {
    schemas: { Problem: { type: 'object', required: ['status'], properties: { status: { type: 'integer' } } } },
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
  },
  paths: {
    '/items/{id}': {
      get: {
        operationId: 'getItem',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z]{1,8}$' } }],
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } }, additionalProperties: false } } } },
          '400': { description: 'bad', content: PROBLEM },
          '404': { description: 'none', content: PROBLEM },
        },
      },
    },
    '/notes': {
      post: {
        operationId: 'createNote',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 20 } }, additionalProperties: false } } } },
        responses: {
          '201': { description: 'created', content: { 'application/json': { schema: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } } } },
          '400': { description: 'bad', content: PROBLEM },
          '415': { description: 'bad type', content: PROBLEM },
        },
      },
    },
    '/healthy': {
      get: {
        operationId: 'healthy',
        parameters: [{ name: 'n', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10 } }],
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } } },
          '400': { description: 'bad', content: PROBLEM },
        },
      },
    },
    '/private': {
      get: {
        operationId: 'private',
        security: [{ bearer: [] }],
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } }, '401': { description: 'no', content: PROBLEM } },
      },
    },
  },
};

const problem = (status: number) => ({ status });

async function plantedApp(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler((error, _request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return reply.code(status).type('application/problem+json').send(problem(status));
  });
  app.get('/openapi.json', async () => DOCUMENT);
  // Planted bug 1: a server error for ids of five letters or more.
  app.get<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    const { id } = request.params;
    if (!/^[a-z]{1,8}$/.test(id)) return reply.code(400).type('application/problem+json').send(problem(400));
    if (id.length >= 5) throw new Error('planted crash');
    return { id };
  });
  // Planted bug 2: answers 200 (undocumented) with a body whose id is a string, in text/html.
  app.post('/notes', async (request, reply) => {
    const body = request.body as { text?: unknown } | null;
    if (!body || typeof body.text !== 'string' || Object.keys(body).length !== 1 || body.text.length > 20) return reply.code(400).type('application/problem+json').send(problem(400));
    return reply.code(200).type('text/html').send(`<p>${body.text}</p>`);
  });
  app.get<{ Querystring: { n?: string } }>('/healthy', async (request, reply) => {
    const raw = request.query.n ?? '1';
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 10) return reply.code(400).type('application/problem+json').send(problem(400));
    return { n: Number(raw) };
  });
  // Planted bug 3: documented as needing a Bearer token, answers anyone.
  app.get('/private', async () => ({ secret: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

let app: FastifyInstance;
let origin: string;
beforeAll(async () => {
  app = await plantedApp();
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
});

describe('API fuzzing on a planted app', () => {
  it('finds the server error, the undocumented status, content type and body, and the ignored auth', async () => {
    const outcome = await runFuzz({ origin, seed: 424242, runs: 25, minRequests: 0 });
    expect(outcome.ok).toBe(false);
    expect(outcome.counts.operations).toBe(4);
    expect(outcome.counts.server_errors).toBeGreaterThan(0);
    expect(outcome.counts.schema_violations).toBeGreaterThan(0);
    const seen = outcome.result.failures.map((f) => `${f.operation.split(' ')[0] ?? ''}:${f.check}`);
    expect(seen).toContain('getItem:not_a_server_error');
    expect(seen).toContain('createNote:status_code_conformance');
    expect(seen).toContain('private:ignored_auth');
    // The correct operation is not blamed for anything.
    expect(seen.filter((s) => s.startsWith('healthy:'))).toEqual([]);
    // Each failure carries a request to replay, and the report the seed.
    const crash = outcome.result.failures.find((f) => f.check === 'not_a_server_error');
    expect(crash?.curl).toMatch(/^curl -i --path-as-is -X GET '.*\/items\/[a-z]{5,8}'/);
    expect(outcome.report).toContain('FUZZ_SEED=424242 FUZZ_RUNS=25');
  });

  it('replays exactly with the same seed', async () => {
    const first = await runFuzz({ origin, seed: 7, runs: 10, minRequests: 0 });
    const second = await runFuzz({ origin, seed: 7, runs: 10, minRequests: 0 });
    expect(second.counts).toEqual(first.counts);
    expect(second.result.failures.map((f) => f.curl)).toEqual(first.result.failures.map((f) => f.curl));
  });

  it('reports the wrong content type and body when the status is documented', async () => {
    const documented = structuredClone(DOCUMENT) as typeof DOCUMENT & { paths: { '/notes': { post: { responses: Record<string, unknown> } } } };
    documented.paths['/notes'].post.responses['200'] = { description: 'planted', content: { 'application/json': { schema: { type: 'object', required: ['id'] } } } };
    const other = Fastify({ logger: false });
    other.get('/openapi.json', async () => documented);
    other.post('/notes', async (_request, reply) => reply.code(200).type('text/html').send('<p>x</p>'));
    await other.listen({ host: '127.0.0.1', port: 0 });
    try {
      const outcome = await runFuzz({ origin: `http://127.0.0.1:${(other.server.address() as AddressInfo).port}`, seed: 1, runs: 5, minRequests: 0, only: 'createNote' });
      expect(outcome.result.failures.map((f) => f.check)).toContain('content_type_conformance');
    } finally {
      await other.close();
    }
  });

  it('requires the minimum number of requests when runs are not given', async () => {
    const outcome = await runFuzz({ origin, seed: 3, runs: null, minRequests: 200, only: 'healthy' });
    expect(outcome.counts.requests).toBeGreaterThanOrEqual(200);
  });
});
