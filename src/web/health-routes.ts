import { access, constants } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
}

/** Liveness (`/healthz`) and readiness (`/readyz`: every dependency answers). */
export async function healthRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[]): Promise<void> {
  const probe = { public: true, neverCache: true };
  app.get('/healthz', { config: probe }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: probe }, async (request, reply) => {
    const results: Record<string, 'ok' | 'failing'> = {};
    for (const { name, check } of checks) {
      try {
        await check();
        results[name] = 'ok';
      } catch (error) {
        request.log.warn({ err: error, check: name }, 'readiness check failed');
        results[name] = 'failing';
      }
    }
    const ready = Object.values(results).every((r) => r === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: results });
  });
}

/** Storage is ready when its directory exists and is writable. */
export function directoryWritable(dir: string): () => Promise<void> {
  return () => access(dir, constants.W_OK | constants.R_OK);
}
