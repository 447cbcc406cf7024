import { Type } from 'typebox';
import { requireUser } from '../../accounts/routes.js';
import type { ApiPlugin } from '../api-plugin.js';
import { COMMON_PROBLEMS, problemResponses } from '../schemas/problem.js';
import { READ_SECURITY } from '../security.js';

const CurrentUser = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    email: Type.String(),
  },
  { additionalProperties: false, description: 'The signed-in user.' },
);

export const meRoutes: ApiPlugin = async (app) => {
  app.get(
    '/api/v1/me',
    {
      schema: {
        operationId: 'getCurrentUser',
        summary: 'The signed-in user',
        tags: ['account'],
        security: READ_SECURITY,
        response: { 200: CurrentUser, ...problemResponses(...COMMON_PROBLEMS) },
      },
    },
    async (request) => {
      const { id, username, email } = requireUser(request);
      return { id, username, email };
    },
  );
};
