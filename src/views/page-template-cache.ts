import { randomBytes } from 'node:crypto';
import type { JSX } from 'preact';
import { renderDocument } from './render.js';
import type { ViewContext } from './view-context.js';

// Stand-ins for the two per-request values of the layout, random per process: no page content can
// contain them by accident, and nobody outside this process ever sees them.
const MARKER = `pv${randomBytes(16).toString('hex')}`;
const CSRF_SLOT = `${MARKER}csrf`;
const REQUEST_ID_SLOT = `${MARKER}rid`;
const CSRF = 0;
const REQUEST_ID = 1;

type Piece = string | typeof CSRF | typeof REQUEST_ID;

/**
 * Rendered pages kept as templates with two holes, the CSRF token and the request id, so a page
 * shown again with the same data costs a join instead of a render (a gallery page of 48 tiles:
 * ~200 µs of preact). The page is still rendered by preact (escaping every value) the first time;
 * only the two per-request values are put in later, escaped the same way. The key must name
 * everything the page shows besides those two and the signed-in user (which the cache adds itself);
 * least recently used templates go first.
 */
export class PageTemplateCache {
  private readonly templates = new Map<string, readonly Piece[]>();

  constructor(private readonly maxEntries = 64) {}

  /** The page stored under `key`, filled in for this request, or undefined when there is none. */
  get(key: string, context: ViewContext): string | undefined {
    const fullKey = fullKeyOf(key, context);
    const pieces = this.templates.get(fullKey);
    if (!pieces) return undefined;
    // Most recently used last.
    this.templates.delete(fullKey);
    this.templates.set(fullKey, pieces);
    return fill(pieces, context);
  }

  /** The page stored under `key`, or `page` rendered now and stored; filled in for this request. */
  render(key: string, context: ViewContext, page: (context: ViewContext) => JSX.Element): string {
    const cached = this.get(key, context);
    if (cached !== undefined) return cached;
    const pieces = toPieces(renderDocument(page({ user: context.user, csrfToken: CSRF_SLOT, requestId: REQUEST_ID_SLOT })));
    if (this.templates.size >= this.maxEntries) {
      const oldest = this.templates.keys().next();
      if (!oldest.done) this.templates.delete(oldest.value);
    }
    this.templates.set(fullKeyOf(key, context), pieces);
    return fill(pieces, context);
  }
}

function fullKeyOf(key: string, context: ViewContext): string {
  return `${context.user?.username ?? ''}\u0000${key}`;
}

function fill(pieces: readonly Piece[], context: ViewContext): string {
  let html = '';
  // The token is read (and so made, with its cookie) only when the page has a form that needs it.
  for (const piece of pieces) html += piece === CSRF ? escapeHtml(context.csrfToken) : piece === REQUEST_ID ? escapeHtml(context.requestId) : piece;
  return html;
}

function toPieces(html: string): Piece[] {
  const pieces: Piece[] = [];
  let from = 0;
  for (;;) {
    const at = html.indexOf(MARKER, from);
    if (at === -1) break;
    pieces.push(html.slice(from, at));
    const slot = at + MARKER.length;
    if (html.startsWith('csrf', slot)) {
      pieces.push(CSRF);
      from = at + CSRF_SLOT.length;
    } else if (html.startsWith('rid', slot)) {
      pieces.push(REQUEST_ID);
      from = at + REQUEST_ID_SLOT.length;
    } else {
      throw new Error('page template: unknown slot');
    }
  }
  pieces.push(html.slice(from));
  return pieces;
}

// What preact escapes in text and attribute values (&, <, "), and > as well.
function escapeHtml(value: string): string {
  return value.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}
