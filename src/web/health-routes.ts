import type { FastifyInstance } from 'fastify';
import { observeDependencies } from '../telemetry/metrics.js';

export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
  /**
   * Required: this instance cannot serve requests without it, so a failure answers 503 and a load
   * balancer stops sending traffic here. Informational: reported in the body and the
   * `photovault.dependency.up` gauge only (the app degrades gracefully without it).
   */
  readonly required: boolean;
}

export interface HealthRoutesOptions {
  readonly checks: readonly ReadinessCheck[];
  /** Deadline for each check (default 1.5 s, so a hung dependency still answers within ~2 s). */
  readonly timeoutMs?: number;
}

export type CheckState = 'ok' | 'failing' | 'timeout';

export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready';
  /** The required checks: any that is not `ok` makes the answer 503. */
  readonly checks: Record<string, CheckState>;
  /** The informational dependencies: reported, never a reason for 503. */
  readonly dependencies: Record<string, 'available' | 'unavailable'>;
}

const DEFAULT_TIMEOUT_MS = 1_500;

class CheckTimeoutError extends Error {}

/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: 200 when every required
 * check passes, else 503; informational dependencies are listed in the body either way). The
 * dependency states are also exported as the `photovault.dependency.up` gauge.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  const probe = { public: true, neverCache: true };
  const runChecks = readinessRunner(options.checks, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);

  app.get('/healthz', { config: probe }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: probe }, async (request, reply) => {
    const results = await runChecks();
    const report: ReadinessReport = { status: 'ready', checks: {}, dependencies: {} };
    for (const { name, required, state, error } of results) {
      if (state !== 'ok') request.log.warn({ err: error, check: name, required, state }, 'readiness check failed');
      if (required) report.checks[name] = state;
      else report.dependencies[name] = state === 'ok' ? 'available' : 'unavailable';
    }
    const ready = results.every((r) => !r.required || r.state === 'ok');
    return reply.code(ready ? 200 : 503).send({ ...report, status: ready ? 'ready' : 'not_ready' });
  });

  const stopGauge = observeDependencies(async () => new Map((await runChecks()).map((r) => [r.name, r.state === 'ok'])));
  app.addHook('onClose', async () => stopGauge());
}

interface CheckResult {
  readonly name: string;
  readonly required: boolean;
  readonly state: CheckState;
  readonly error?: unknown;
}

/**
 * Runs every check at once, each bounded by `timeoutMs`. A check still running from an earlier
 * probe is joined rather than started again, so a hung dependency probed every second never
 * accumulates queries or sockets.
 */
function readinessRunner(checks: readonly ReadinessCheck[], timeoutMs: number): () => Promise<CheckResult[]> {
  const running = new Map<string, Promise<void>>();
  const start = ({ name, check }: ReadinessCheck): Promise<void> => {
    let pending = running.get(name);
    if (!pending) {
      pending = check().finally(() => running.delete(name));
      running.set(name, pending);
    }
    return pending;
  };
  return () =>
    Promise.all(
      checks.map(async (c): Promise<CheckResult> => {
        try {
          await withTimeout(start(c), timeoutMs);
          return { name: c.name, required: c.required, state: 'ok' };
        } catch (error) {
          return { name: c.name, required: c.required, state: error instanceof CheckTimeoutError ? 'timeout' : 'failing', error };
        }
      }),
    );
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeoutError(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
