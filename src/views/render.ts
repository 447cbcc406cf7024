import type { JSX } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * Renders a page to HTML. Preact escapes every text node and attribute value, and user input is
 * only ever passed as data (props), never compiled as a template, so `{{7*6}}` stays text.
 */
export function renderDocument(page: JSX.Element): string {
  return `<!DOCTYPE html>${renderToString(page)}`;
}
