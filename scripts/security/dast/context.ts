import type { OpenApiDocument, Operation } from '../fuzz/openapi.js';
import { extractForms, extractLinks, isHtml, type HtmlForm } from '../lib/html.js';
import { HttpSession, type Exchange, type HttpResponse } from '../lib/http.js';
import type { Results } from './results.js';

/** A signed-in user the scanner can act as (and sign in again if a check ended the session). */
export interface ScanUser {
  readonly name: string;
  readonly session: HttpSession;
  readonly username: string;
  readonly password: string;
  /** Signs in on `session` (a fresh session for this user when given another one). */
  login(session?: HttpSession): Promise<HttpResponse>;
}

export interface DastOptions {
  readonly origin: string;
  /** Where crawling starts, anonymously and as the owner. */
  readonly seeds: readonly string[];
  /** Two users, owner and other, for authenticated, CSRF and cross-user checks; none: anonymous only. */
  readonly users?: { readonly owner: ScanUser; readonly other: ScanUser };
  /** A page that only a signed-in user gets with 200 (to notice a lost session). */
  readonly authCheckPath?: string;
  /** Ids of the owner's private resources: a URL containing one is owner-only. */
  readonly ownerResourceIds?: readonly string[];
  /** Path prefixes served publicly on purpose (share links): not owner-only even when they mention an id. */
  readonly publicPrefixes?: readonly string[];
  /** Path prefixes that must answer with no-store (private pages). */
  readonly privatePrefixes?: readonly string[];
  /** Path of the OpenAPI document, for the API's state-changing operations. */
  readonly openapiPath?: string;
  /** The app trusts X-Forwarded-Proto from this client: HTTPS-only protections are checked through it. */
  readonly httpsViaForwardedProto?: boolean;
  /** Strings that must never be served (secret key, data directory...). */
  readonly sensitiveMarkers?: readonly string[];
  /** A valid upload for file fields. */
  readonly sampleFile?: Buffer;
  readonly maxPages?: number;
  readonly log?: (line: string) => void;
}

export interface CrawledPage {
  readonly path: string;
  readonly as: 'anonymous' | 'owner';
  readonly exchange: Exchange;
}

export interface FoundForm {
  readonly form: HtmlForm;
  readonly as: 'anonymous' | 'owner';
}

export interface ScanContext {
  readonly options: DastOptions;
  readonly results: Results;
  readonly anonymous: HttpSession;
  readonly pages: CrawledPage[];
  readonly forms: FoundForm[];
  /** The API's operations (from openapiPath), if the target documents one. */
  readonly api: Operation[];
  readonly doc: OpenApiDocument | null;
}

// Links a crawler must not follow with GET even though they are links (none should change state;
// these would end the scanner's own session if one did).
const SKIP = /logout|sign-?out|delete|revoke/i;

/** Breadth-first GET crawl of same-origin links from `seeds`, recording pages and forms. */
export async function crawl(session: HttpSession, seeds: readonly string[], as: CrawledPage['as'], context: ScanContext): Promise<void> {
  const queue = [...seeds];
  const seen = new Set<string>();
  const max = context.options.maxPages ?? 150;
  while (queue.length > 0 && seen.size < max) {
    const path = queue.shift() ?? '/';
    // One visit per route shape and query-parameter set is enough (e.g. ?page=2, ?page=3).
    const shape = path.replace(/=[^&]*/g, '=');
    if (seen.has(shape) || SKIP.test(path)) continue;
    seen.add(shape);
    const response = await session.get(path, { accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8' });
    const exchange = session.history.at(-1);
    if (exchange) context.pages.push({ path, as, exchange });
    if (response.status >= 300 && response.status < 400 && response.headers.location) {
      const next = new URL(response.headers.location, context.options.origin);
      if (next.origin === new URL(context.options.origin).origin) queue.push(next.pathname + next.search);
      continue;
    }
    if (!isHtml(response.headers)) continue;
    for (const form of extractForms(response.body, path, context.options.origin)) {
      if (!context.forms.some((f) => f.as === as && f.form.action === form.action && f.form.method === form.method)) context.forms.push({ form, as });
    }
    for (const link of extractLinks(response.body, path, context.options.origin)) queue.push(link);
  }
}

export function isOwnerOnly(path: string, context: ScanContext): boolean {
  const ids = context.options.ownerResourceIds ?? [];
  if ((context.options.publicPrefixes ?? []).some((prefix) => path.startsWith(prefix))) return false;
  return ids.some((id) => path.includes(id));
}

/** Signs the user in again when a check (deliberately or not) ended the session. */
export async function ensureSignedIn(user: ScanUser, context: ScanContext): Promise<void> {
  const path = context.options.authCheckPath;
  if (!path) return;
  const response = await user.session.get(path);
  if (response.status !== 200) await user.login();
}
