import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

type RequestHookWork = (request: FastifyRequest, reply: FastifyReply) => void | Promise<unknown>;
type CallbackHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * A request hook (onRequest, preHandler, onResponse) in Fastify's callback style, for work that is
 * synchronous or only sometimes asynchronous (a database look-up only when a cookie is present).
 * An `async` hook costs a promise and its microtask turns on every request, and on Node 20 with
 * telemetry on also the async_hooks callbacks of each promise; over the hooks every request passes
 * through, that was measurable in `npm run bench`. Nothing else changes: what `work` throws (Fastify
 * catches it) or the promise it returns rejects with goes to the error handler, as from an async hook.
 */
export function requestHook(work: RequestHookWork): CallbackHook {
  return (request, reply, done) => {
    const pending = work(request, reply);
    if (pending === undefined) {
      done();
      return;
    }
    pending.then(
      () => done(),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  };
}

/** An onSend hook that only sets headers, in callback style (see requestHook); the payload passes unchanged. */
export function headersOnSend(work: (request: FastifyRequest, reply: FastifyReply) => void) {
  return <Payload>(request: FastifyRequest, reply: FastifyReply, payload: Payload, done: (error: Error | null, payload: Payload) => void): void => {
    work(request, reply);
    done(null, payload);
  };
}
