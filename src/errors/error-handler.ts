import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { ErrorPage } from '../views/pages/error-page.js';
import { recordErrorOnActiveSpan } from '../telemetry/tracer.js';
import { sendPage, viewContextFor, wantsJson } from '../web/pages.js';
import { AppError, codeForStatus, ERROR_CATALOG, type ErrorCode } from './catalog.js';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { describeValidationErrors } from './validation-detail.js';

// A database restart or failover takes seconds; clients (and proxies) retry after this long.
const DATABASE_RETRY_AFTER_SECONDS = 5;

interface Answer {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly retryAfterSeconds?: number | undefined;
  readonly allow?: readonly string[] | undefined;
}

/**
 * The one mapper from errors to responses. AppErrors keep their status and safe message;
 * framework 4xx errors map onto the catalog by status with the catalog's generic message;
 * a database that cannot be reached is a 503 with Retry-After (RFC 9110 15.6.4); anything else is
 * a 500. The details of both go to the log and the trace only. No stack trace, SQL or
 * path ever reaches the client; every answer names the request id.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    const answer = toAnswer(error);
    if (answer.status >= 500) {
      request.log.error({ err: error }, 'request failed');
      recordErrorOnActiveSpan(error);
    } else {
      request.log.info({ code: answer.code, status: answer.status, errCode: (error as FastifyError).code }, 'request refused');
    }
    return sendError(request, reply, answer);
  });

  app.setNotFoundHandler(async (request, reply) => sendError(request, reply, toAnswer(new AppError('not_found'))));
}

function toAnswer(error: FastifyError | Error): Answer {
  if (error instanceof AppError) {
    return { code: error.code, status: error.status, detail: error.detail, retryAfterSeconds: error.retryAfterSeconds, allow: error.allow };
  }
  const { validation, validationContext } = error as FastifyError;
  if (validation) return { code: 'validation_failed', status: 400, detail: describeValidationErrors(validation, validationContext) };
  const status = (error as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = codeForStatus(status);
    return { code, status, detail: ERROR_CATALOG[code].message };
  }
  if (isDatabaseUnavailable(error)) {
    return { code: 'service_unavailable', status: 503, detail: ERROR_CATALOG.service_unavailable.message, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS };
  }
  return { code: 'internal_error', status: 500, detail: ERROR_CATALOG.internal_error.message };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, answer: Answer): FastifyReply {
  if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
  if (answer.allow) reply.header('allow', answer.allow.join(', '));
  const title = ERROR_CATALOG[answer.code].title;
  if (wantsJson(request) || request.method === 'HEAD') {
    // RFC 9457 problem details.
    return reply
      .code(answer.status)
      .type('application/problem+json; charset=utf-8')
      .send({
        type: `about:blank`,
        title,
        status: answer.status,
        detail: answer.detail,
        code: answer.code,
        request_id: request.id,
      });
  }
  return sendPage(reply, h(ErrorPage, { context: safeViewContext(request, reply), status: answer.status, title, detail: answer.detail }), answer.status);
}

function safeViewContext(request: FastifyRequest, reply: FastifyReply) {
  try {
    const context = viewContextFor(request, reply);
    // The token is otherwise made lazily, during rendering: here it is made inside this try.
    void context.csrfToken;
    return context;
  } catch {
    // The error may have happened before cookies were parsed; draw the page without a session.
    return { user: null, csrfToken: '', requestId: request.id };
  }
}
