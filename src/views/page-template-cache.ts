import { randomBytes } from 'node:crypto';
import type { JSX } from 'preact';
import { renderDocument } from './render.js';
import type { ViewContext } from './view-context.js';

// Stand-ins for the per-request values of a page, random per process: no page content can contain
// them by accident, and nobody outside this process ever sees them.
const MARKER = `pv${randomBytes(16).toString('hex')}`;
const CSRF_SLOT = `${MARKER}csrf`;
const REQUEST_ID_SLOT = `${MARKER}rid`;
// A named text slot is `${MARKER}t_<name>_`.
const TEXT_SLOT = 't_';
const TEXT_SLOT_NAME = /^[a-z]+$/;
const CSRF = 0;
const REQUEST_ID = 1;

interface TextSlot {
  /** The slot's name, as given to the page's TextSlotMarker. */
  readonly name: string;
}

type Piece = Buffer | typeof CSRF | typeof REQUEST_ID | TextSlot;

/** Per-request text a page puts in verbatim (e.g. a greeting's name), by slot name. */
export type SlotTexts = Readonly<Record<string, string>>;

/** Gives the page the stand-in for a named text slot, to use where the text goes, as it is. */
export type TextSlotMarker = (name: string) => string;

/**
 * Rendered pages kept as templates with holes for what changes per request (the CSRF token, the
 * request id, and any named text slots the page asks for), so a page shown again costs a join of
 * ready UTF-8 bytes instead of a render and an encode (a gallery page of 48 tiles: ~200 µs of
 * preact, and ~40 µs more to encode the page as UTF-8 for the socket). The page is still rendered
 * by preact (escaping every value) the first time; the per-request values are put in later, escaped
 * the same way (&, <, >, " — right in text and in quoted attributes). A text slot must be used as
 * plain text, unchanged (not sliced, measured or put in a URL): the caller prepares the value first.
 * The key must name everything the page shows besides those values and the signed-in user (which
 * the cache adds itself), including which text slots the page has; least recently used go first.
 */
export class PageTemplateCache {
  private readonly templates = new Map<string, readonly Piece[]>();

  constructor(private readonly maxEntries = 64) {}

  /** The page stored under `key`, filled in for this request, or undefined when there is none. */
  get(key: string, context: ViewContext, texts: SlotTexts = {}): Buffer | undefined {
    // A page with a one-time notice is drawn afresh (the templates hold no notice).
    if (context.notice) return undefined;
    const fullKey = fullKeyOf(key, context);
    const pieces = this.templates.get(fullKey);
    if (!pieces) return undefined;
    // Most recently used last.
    this.templates.delete(fullKey);
    this.templates.set(fullKey, pieces);
    return fill(pieces, context, texts);
  }

  /** The page stored under `key`, or `page` rendered now and stored; filled in for this request. */
  render(key: string, context: ViewContext, page: (context: ViewContext, text: TextSlotMarker) => JSX.Element, texts: SlotTexts = {}): Buffer {
    const cached = this.get(key, context, texts);
    if (cached !== undefined) return cached;
    if (context.notice) return Buffer.from(renderDocument(page(context, (name) => texts[name] ?? '')), 'utf8');
    const pieces = toPieces(renderDocument(page({ user: context.user, csrfToken: CSRF_SLOT, requestId: REQUEST_ID_SLOT }, textSlotMarker)));
    if (this.templates.size >= this.maxEntries) {
      const oldest = this.templates.keys().next();
      if (!oldest.done) this.templates.delete(oldest.value);
    }
    this.templates.set(fullKeyOf(key, context), pieces);
    return fill(pieces, context, texts);
  }
}

function textSlotMarker(name: string): string {
  if (!TEXT_SLOT_NAME.test(name)) throw new Error(`page template: a text slot name must be lower-case letters (${name})`);
  return `${MARKER}${TEXT_SLOT}${name}_`;
}

function fullKeyOf(key: string, context: ViewContext): string {
  return `${context.user?.username ?? ''}\u0000${key}`;
}

function fill(pieces: readonly Piece[], context: ViewContext, texts: SlotTexts): Buffer {
  const parts: Buffer[] = [];
  let length = 0;
  for (const piece of pieces) {
    let part: Buffer;
    if (Buffer.isBuffer(piece)) part = piece;
    // The token is read (and so made, with its cookie) only when the page has a form that needs it.
    else if (piece === CSRF) part = Buffer.from(escapeHtml(context.csrfToken));
    else if (piece === REQUEST_ID) part = Buffer.from(escapeHtml(context.requestId));
    else {
      const text = Object.hasOwn(texts, piece.name) ? texts[piece.name] : undefined;
      if (text === undefined) throw new Error(`page template: no text for the slot "${piece.name}"`);
      part = Buffer.from(escapeHtml(text));
    }
    parts.push(part);
    length += part.length;
  }
  return Buffer.concat(parts, length);
}

function toPieces(html: string): Piece[] {
  const pieces: Piece[] = [];
  let from = 0;
  for (;;) {
    const at = html.indexOf(MARKER, from);
    if (at === -1) break;
    pieces.push(Buffer.from(html.slice(from, at)));
    const slot = at + MARKER.length;
    if (html.startsWith('csrf', slot)) {
      pieces.push(CSRF);
      from = at + CSRF_SLOT.length;
    } else if (html.startsWith('rid', slot)) {
      pieces.push(REQUEST_ID);
      from = at + REQUEST_ID_SLOT.length;
    } else if (html.startsWith(TEXT_SLOT, slot)) {
      const nameStart = slot + TEXT_SLOT.length;
      const nameEnd = html.indexOf('_', nameStart);
      const name = nameEnd === -1 ? '' : html.slice(nameStart, nameEnd);
      if (!TEXT_SLOT_NAME.test(name)) throw new Error('page template: malformed text slot');
      pieces.push({ name });
      from = nameEnd + 1;
    } else {
      throw new Error('page template: unknown slot');
    }
  }
  pieces.push(Buffer.from(html.slice(from)));
  return pieces;
}

// What preact escapes in text and attribute values (&, <, "), and > as well.
function escapeHtml(value: string): string {
  return value.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}
