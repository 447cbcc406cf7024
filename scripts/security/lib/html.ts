// Just enough HTML reading for a scanner: links, forms and their fields. Server-rendered pages
// with quoted attributes are the input; this is not a general HTML parser.

export interface FormField {
  readonly name: string;
  /** input type (text, hidden, password, file, ...), or select / textarea. */
  readonly type: string;
  readonly value: string;
}

export interface HtmlForm {
  /** Absolute path (resolved against the page), query included. */
  readonly action: string;
  readonly method: string;
  readonly enctype: string;
  readonly fields: readonly FormField[];
  /** The page the form was found on. */
  readonly page: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

export function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  // Skip the tag name itself.
  let rest = tag.replace(/^<\s*[a-zA-Z0-9-]+/, '').replace(/\/?>$/, '');
  rest = rest.replace(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)/g, (_whole, name: string, raw: string) => {
    const value = raw.startsWith('"') || raw.startsWith("'") ? raw.slice(1, -1) : raw;
    if (!out.has(name.toLowerCase())) out.set(name.toLowerCase(), decodeEntities(value));
    return ' ';
  });
  // What is left are attributes without a value (selected, hidden, required...).
  for (const match of rest.matchAll(/[a-zA-Z_:][-a-zA-Z0-9_:.]*/g)) if (!out.has(match[0].toLowerCase())) out.set(match[0].toLowerCase(), '');
  return out;
}

/** Same-origin paths referenced by the page (a href, img/script src, link href, form action). */
export function extractLinks(html: string, pageUrl: string, origin: string): string[] {
  const out = new Set<string>();
  for (const match of html.matchAll(/<(a|img|script|link|iframe|source)\b[^>]*>/gi)) {
    const attrs = attributes(match[0]);
    for (const name of ['href', 'src']) {
      const value = attrs.get(name);
      const path = value === undefined ? null : sameOriginPath(value, pageUrl, origin);
      if (path) out.add(path);
    }
  }
  return [...out];
}

export function extractForms(html: string, pageUrl: string, origin: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const open = /^<form\b[^>]*>/i.exec(match[0])?.[0] ?? '<form>';
    const attrs = attributes(open);
    const action = sameOriginPath(attrs.get('action') ?? '', pageUrl, origin);
    if (action === null) continue;
    forms.push({
      action,
      method: (attrs.get('method') ?? 'get').toUpperCase(),
      enctype: (attrs.get('enctype') ?? 'application/x-www-form-urlencoded').toLowerCase(),
      fields: extractFields(match[1] ?? ''),
      page: pageUrl,
    });
  }
  return forms;
}

function extractFields(html: string): FormField[] {
  const fields: FormField[] = [];
  for (const match of html.matchAll(/<(input|select|textarea)\b[^>]*>/gi)) {
    const tag = (match[1] ?? '').toLowerCase();
    const attrs = attributes(match[0]);
    const name = attrs.get('name');
    if (!name) continue;
    if (tag === 'input') {
      const type = (attrs.get('type') ?? 'text').toLowerCase();
      if (type === 'submit' || type === 'button' || type === 'image' || type === 'reset') continue;
      fields.push({ name, type, value: attrs.get('value') ?? '' });
    } else if (tag === 'select') {
      const rest = html.slice((match.index ?? 0) + match[0].length);
      const options = /^([\s\S]*?)<\/select>/i.exec(rest)?.[1] ?? '';
      const all = [...options.matchAll(/<option\b[^>]*>/gi)].map((o) => attributes(o[0]));
      const chosen = all.find((o) => o.has('selected')) ?? all[0];
      fields.push({ name, type: 'select', value: chosen?.get('value') ?? '' });
    } else {
      const rest = html.slice((match.index ?? 0) + match[0].length);
      fields.push({ name, type: 'textarea', value: decodeEntities(/^([\s\S]*?)<\/textarea>/i.exec(rest)?.[1] ?? '') });
    }
  }
  return fields;
}

/** The path (with query) of `reference` when it resolves to `origin`, else null. */
export function sameOriginPath(reference: string, pageUrl: string, origin: string): string | null {
  try {
    const url = new URL(reference, new URL(pageUrl, origin));
    if (url.origin !== new URL(origin).origin) return null;
    return url.pathname + url.search;
  } catch {
    return null;
  }
}

export function csrfTokenIn(html: string, fieldName = '_csrf'): string | null {
  for (const form of extractForms(html, '/', 'http://scanner.invalid')) {
    const field = form.fields.find((f) => f.name === fieldName);
    if (field?.value) return field.value;
  }
  return null;
}

export function isHtml(headers: Readonly<Record<string, string>>): boolean {
  return /^text\/html\b/i.test(headers['content-type'] ?? '');
}
