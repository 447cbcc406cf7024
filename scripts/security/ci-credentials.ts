// For CI's external scanners (ZAP, Schemathesis): signs up a throwaway user on a running
// photovault and prints an API token for it (`Authorization: Bearer <token>`).
//   tsx scripts/security/ci-credentials.ts http://127.0.0.1:3000
import { photovaultContexts } from './fuzz.js';
import type { OpenApiDocument, Operation } from './fuzz/openapi.js';
import { HttpSession } from './lib/http.js';

const origin = process.argv[2] ?? 'http://127.0.0.1:3000';
const doc = JSON.parse((await new HttpSession(origin, {}, false).get('/openapi.json')).body) as OpenApiDocument;
const { contexts } = await photovaultContexts(origin, doc, 1);
const bearer = contexts.find((c) => c.name === 'bearer');
if (!bearer) throw new Error('the API offers no token creation');
const header = bearer.headers({} as Operation).authorization ?? '';
process.stdout.write(`${header.replace(/^Bearer /, '')}\n`);
