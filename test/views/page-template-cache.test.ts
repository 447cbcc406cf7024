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
      expect(cache.render('k', context, page('Gallery'))).toBe(renderDocument(page('Gallery')(context)));
    }
  });

  it('escapes the per-request values as the renderer would', () => {
    const context: ViewContext = { user: { username: 'ada' }, csrfToken: 'a"b<c&d', requestId: '<id>' };
    const html = new PageTemplateCache().render('k', context, page('x'));
    expect(html).toContain('value="a&quot;b&lt;c&amp;d"');
    expect(html).toContain('&lt;id&gt;');
    expect(html).not.toContain('a"b<c');
  });

  it('keeps pages of different users and keys apart', () => {
    const cache = new PageTemplateCache();
    const ada: ViewContext = { user: { username: 'ada' }, csrfToken: 't', requestId: 'r' };
    const bob: ViewContext = { user: { username: 'bob' }, csrfToken: 't', requestId: 'r' };
    expect(cache.render('k', ada, page('one'))).toContain('ada');
    expect(cache.render('k', bob, page('one'))).toContain('bob');
    expect(cache.render('k', bob, page('one'))).not.toContain('ada');
    expect(cache.render('other', bob, page('two'))).toContain('<p>two</p>');
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
});
