import { Type } from 'typebox';
import { AppError } from '../../errors/catalog.js';
import type { ApiPlugin } from '../api-plugin.js';
import { problemResponses } from '../schemas/problem.js';
import { SESSION_READ_SECURITY } from '../security.js';

const CsrfToken = Type.Object(
  { token: Type.String({ description: 'Send it as the `X-CSRF-Token` header on POST, PUT, PATCH and DELETE.' }) },
  { additionalProperties: false, description: 'A CSRF token bound to this session.' },
);

export const csrfTokenRoutes: ApiPlugin = async (app) => {
  app.get(
    '/api/v1/csrf-token',
    {
      schema: {
        operationId: 'getCsrfToken',
        summary: 'A CSRF token for cookie-session requests',
        description: 'For JavaScript running in a signed-in page. Requests with a Bearer token need no CSRF token and are refused here.',
        tags: ['account'],
        security: SESSION_READ_SECURITY,
        response: { 200: CsrfToken, ...problemResponses(401, 403, 429) },
      },
    },
    async (request, reply) => {
      if (!request.session) throw new AppError('forbidden', { detail: 'CSRF tokens are for cookie sessions; requests with a Bearer token need none.' });
      return { token: reply.csrfToken() };
    },
  );
};
