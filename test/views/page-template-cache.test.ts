import { h } from 'preact';
import { describe, expect, it } from 'vitest';
import { Layout } from '../../src/views/layout.js';
import { PageTemplateCache } from '../../src/views/page-template-cache.js';
import { renderDocument } from '../../src/views/render.js';
import type { ViewContext } from '../../src/views/view-context.js';

const page = (title: string) => (context: ViewContext) => h(Layout, { title, context, children: h('p', null, title) });

describe('PageTemplateCache', () => {
  it('gives the very HTML a fresh render gives, with this request’s token and id', () => {
    const cache = new PageTemplateCache();
    for (const [token, id] of [
      ['token-one', 'id-1'],
      ['token-two', 'id-2'],
    ] as const) {
      const context: ViewContext = { user: { username: 'ada' }, csrfToken: token, requestId: id };
      expect(cache.render('k', context, page('Gallery')).toString()).toBe(renderDocument(page('Gallery')(context)));
    }
  });

  it('escapes the per-request values as the renderer would', () => {
    const context: ViewContext = { user: { username: 'ada' }, csrfToken: 'a"b<c&d', requestId: '<id>' };
    const html = new PageTemplateCache().render('k', context, page('x')).toString();
    expect(html).toContain('value="a&quot;b&lt;c&amp;d"');
    expect(html).toContain('&lt;id&gt;');
    expect(html).not.toContain('a"b<c');
  });

  it('keeps pages of different users and keys apart', () => {
    const cache = new PageTemplateCache();
    const ada: ViewContext = { user: { username: 'ada' }, csrfToken: 't', requestId: 'r' };
    const bob: ViewContext = { user: { username: 'bob' }, csrfToken: 't', requestId: 'r' };
    expect(cache.render('k', ada, page('one')).toString()).toContain('ada');
    expect(cache.render('k', bob, page('one')).toString()).toContain('bob');
    expect(cache.render('k', bob, page('one')).toString()).not.toContain('ada');
    expect(cache.render('other', bob, page('two')).toString()).toContain('<p>two</p>');
  });

  it('reads the CSRF token only for a page with a form', () => {
    let reads = 0;
    const context = (user: ViewContext['user']): ViewContext => ({
      user,
      get csrfToken() {
        reads++;
        return 'tok';
      },
      requestId: 'r',
    });
    const cache = new PageTemplateCache();
    cache.render('anonymous', context(null), page('a'));
    cache.render('anonymous', context(null), page('a'));
    expect(reads).toBe(0);
    cache.render('signed-in', context({ username: 'ada' }), page('a'));
    expect(reads).toBe(1);
  });

  it('renders again once a page has been evicted', () => {
    const cache = new PageTemplateCache(2);
    const context: ViewContext = { user: null, csrfToken: 't', requestId: 'r' };
    let renders = 0;
    const counted = (context: ViewContext) => {
      renders++;
      return page('p')(context);
    };
    for (const key of ['a', 'b', 'a', 'c', 'a', 'b']) cache.render(key, context, counted);
    // a, b: rendered; a: hit; c: rendered (evicts b); a: hit; b: rendered again.
    expect(renders).toBe(4);
  });

  describe('text slots', () => {
    const greeting = (context: ViewContext, name: string) =>
      h(Layout, { title: 'Welcome', context, children: h('h1', { title: `for ${name}` }, `Hello, ${name}!`) });
    const HOSTILE = ['{{7*6}}', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "it's & <b>bold</b>", 'Zoë 🙂 ﷽', '\u2028\u2029', '$&$1$$', ''];

    it('give, for any text, the HTML a fresh render of that text gives (with > escaped too)', () => {
      const cache = new PageTemplateCache();
      for (const name of HOSTILE) {
        const context: ViewContext = { user: null, csrfToken: 't', requestId: `id-${name.length}` };
        const cached = cache.render('greeting', context, (pageContext, text) => greeting(pageContext, text('name')), { name }).toString('utf8');
        const fresh = renderDocument(greeting(context, name));
        // preact leaves > as it is in text and attributes; the slots escape it as well.
        if (name.includes('>')) expect(cached.replaceAll('&gt;', '>')).toBe(fresh);
        else expect(cached).toBe(fresh);
      }
    });

    it('never let a text become markup, even one that looks like a slot', () => {
      const cache = new PageTemplateCache();
      const context: ViewContext = { user: null, csrfToken: 't', requestId: 'r' };
      const render = (name: string) => cache.render('greeting', context, (pageContext, text) => greeting(pageContext, text('name')), { name }).toString();
      const first = render('x');
      const slotLike = /pv[0-9a-f]{32}t_name_/.exec(first);
      expect(slotLike).toBeNull();
      expect(render('<h1>pv0123t_name_</h1>')).toContain('&lt;h1&gt;pv0123t_name_&lt;/h1&gt;');
      // Even this process's own stand-ins, if someone learnt them, are only text once filled in:
      // the filled page is never searched for slots again.
      let marker = '';
      cache.render('learn', context, (pageContext, text) => greeting(pageContext, (marker = text('name'))), { name: 'x' });
      const stem = marker.slice(0, -'t_name_'.length);
      for (const forged of [`${stem}csrf`, `${stem}rid`, marker]) {
        const html = render(forged);
        expect(html).toContain(`Hello, ${forged}!`);
        expect(html).not.toContain('Hello, t!');
        expect(html).not.toContain('Hello, r!');
      }
    });

    it('refuse a missing text and a malformed slot name', () => {
      const cache = new PageTemplateCache();
      const context: ViewContext = { user: null, csrfToken: 't', requestId: 'r' };
      expect(() => cache.render('greeting', context, (pageContext, text) => greeting(pageContext, text('name')))).toThrow(/no text for the slot/);
      expect(() => cache.render('bad', context, (pageContext, text) => greeting(pageContext, text('Name_1')))).toThrow(/lower-case/);
      // An inherited property is not a text.
      expect(() => cache.render('greeting', context, (pageContext, text) => greeting(pageContext, text('constructor')))).toThrow(/no text for the slot/);
    });
  });
});
