// The DAST scanner: crawls the running app over real HTTP (anonymously and as a signed-in owner),
// then runs each family of checks. Every check is counted; each failure keeps its request.
import { operationsOf, type OpenApiDocument } from '../fuzz/openapi.js';
import { HttpSession } from '../lib/http.js';
import { checkAccess } from './access.js';
import { crawl, type DastOptions, type ScanContext } from './context.js';
import { checkCsrf } from './csrf.js';
import { checkVerboseErrors } from './errors.js';
import { checkHttps } from './https.js';
import { checkInjection, checkStored } from './injection.js';
import { checkMethods } from './methods.js';
import { checkPassive } from './passive.js';
import { checkOpenRedirect } from './redirect.js';
import { Results } from './results.js';
import { checkTraversal } from './traversal.js';

export interface ScanPlan extends DastOptions {
  /** Extra start pages for the owner (pages only a signed-in user reaches). */
  readonly ownerSeeds?: readonly string[];
  /** Query parameters pages take that no link shows, e.g. { '/': ['name'] }. */
  readonly knownParameters?: Readonly<Record<string, readonly string[]>>;
}

export async function scan(plan: ScanPlan): Promise<Results> {
  const log = plan.log ?? (() => undefined);
  const results = new Results(plan.origin);
  const anonymous = new HttpSession(plan.origin);
  let doc: OpenApiDocument | null = null;
  if (plan.openapiPath) {
    const response = await anonymous.get(plan.openapiPath);
    if (response.status === 200) doc = JSON.parse(response.body) as OpenApiDocument;
  }
  const context: ScanContext = { options: plan, results, anonymous, pages: [], forms: [], api: doc ? operationsOf(doc) : [], doc };
  const phase = async (name: string, run: () => Promise<void> | void) => {
    const started = Date.now();
    const before = results.checks;
    await run();
    log(`  ${name}: ${results.checks - before} checks in ${Date.now() - started} ms`);
  };

  await phase('crawl', async () => {
    await crawl(anonymous, [...plan.seeds, '/no-such-page-scan/'], 'anonymous', context);
    if (plan.users) await crawl(plan.users.owner.session, [...plan.seeds, ...(plan.ownerSeeds ?? []), '/no-such-page-scan/'], 'owner', context);
    log(`  crawled ${context.pages.length} responses, ${context.forms.length} forms, ${context.api.length} API operations`);
    results.coverage.push(
      ...context.pages.map((p) => `page  ${p.exchange.response.status} ${p.path} (${p.as})`),
      ...context.forms.map((f) => `form  ${f.form.method} ${f.form.action} [${f.form.fields.map((x) => x.name).join(', ')}] (${f.as}, on ${f.form.page})`),
      ...context.api.map((o) => `api   ${o.method} ${o.path}`),
    );
  });
  await phase('headers, cookies, clickjacking, caching, leaks', () => checkPassive(context));
  await phase('https', () => checkHttps(context));
  await phase('injection (xss, ssti, sqli)', async () => {
    const evidence = await checkInjection(context, plan.knownParameters);
    await checkStored(context, evidence, [...plan.seeds, ...(plan.ownerSeeds ?? [])]);
  });
  await phase('csrf', () => checkCsrf(context));
  await phase('open redirect', () => checkOpenRedirect(context, plan.knownParameters));
  await phase('path traversal', () => checkTraversal(context));
  await phase('access across users', () => checkAccess(context));
  await phase('verbose errors', () => checkVerboseErrors(context));
  await phase('method tampering, cors', () => checkMethods(context));
  return results;
}
