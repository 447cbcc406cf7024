import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSast, type SastFinding } from '../../scripts/security/sast.js';

// Each planted line carries `// expect: <rule>`; the SAST stage must report that rule on that line.
const PLANTED: Record<string, string> = {
  'src/feature/planted.ts': `
import { exec } from 'node:child_process'; // expect: no-restricted-imports
import vm from 'node:vm'; // expect: no-restricted-imports
import Handlebars from 'handlebars'; // expect: no-restricted-imports
import https from 'node:https';
import { sql } from 'kysely'; // expect: no-restricted-imports
declare const _: { template(source: string): unknown };
declare const db: { query(text: string): unknown };
declare const element: { innerHTML: string; outerHTML: string; insertAdjacentHTML(where: string, html: string): void };
declare const document: { write(html: string): void };

export function planted(input: string, id: string): unknown[] {
  element.innerHTML = input; // expect: no-restricted-properties
  element.outerHTML = input; // expect: no-restricted-properties
  element.insertAdjacentHTML('beforeend', input); // expect: no-restricted-properties
  document.write(input); // expect: no-restricted-properties
  const evaluated: unknown = eval(input); // expect: no-eval
  const compiled = new Function('a', input); // expect: no-new-func
  setTimeout(input, 10); // expect: @typescript-eslint/no-implied-eval
  const template = _.template(input); // expect: no-restricted-syntax
  const engine = Handlebars.compile(input); // expect: no-restricted-syntax
  const request = https.request({ host: 'example.com', rejectUnauthorized: false }); // expect: no-restricted-syntax
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // expect: no-restricted-syntax
  const raw = sql.raw(input); // expect: no-restricted-syntax
  const interpolated = sql\`select * from photos where title = \${input}\`; // expect: no-restricted-syntax
  const built = db.query(\`SELECT * FROM users WHERE name = '\${input}'\`); // expect: photovault/no-string-sql
  const concatenated = db.query('DELETE FROM photos WHERE id = ' + id); // expect: photovault/no-string-sql
  const spawned = import('child_process'); // expect: no-restricted-syntax
  void exec;
  void vm;
  return [evaluated, compiled, template, engine, request, raw, interpolated, built, concatenated, spawned];
}
`,
  'src/feature/planted-view.tsx': `
declare function h(type: string, props: Record<string, unknown>): unknown;
export function View({ html }: { html: string }) {
  const viaH = h('div', { dangerouslySetInnerHTML: { __html: html } }); // expect: no-restricted-syntax
  return <div dangerouslySetInnerHTML={{ __html: html }}>{viaH}</div>; // expect: no-restricted-syntax
}
`,
  'src/feature/widget-repository.ts': `
import { sql } from 'kysely';
declare const db: { query(text: string): unknown };
// The database layer may interpolate into Kysely's parameterised sql tag...
export const byTitle = (title: string) => sql\`select * from widgets where title = \${title}\`;
// ...but never build SQL text from strings.
export const unsafe = (id: string) => db.query('SELECT * FROM widgets WHERE id = ' + id); // expect: photovault/no-string-sql
`,
  'public/planted.js': `
export function show(message) {
  document.getElementById('out').innerHTML = message; // expect: no-restricted-properties
  document.write(message); // expect: no-restricted-properties
}
`,
  'src/feature/clean.ts': `
export function greet(name: string): string {
  return \`Hello, \${name}!\`;
}
`,
};

let root: string;
let findings: SastFinding[];
let ok: boolean;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sast-test-'));
  await writeFile(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, jsx: 'preserve', skipLibCheck: true, types: [] }, include: ['src'] }),
  );
  // Kysely resolvable, so the repository's sql`` is typed as in the app.
  await mkdir(path.join(root, 'node_modules'));
  await symlink(path.resolve('node_modules/kysely'), path.join(root, 'node_modules/kysely'), 'dir');
  for (const [file, text] of Object.entries(PLANTED)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  const outcome = await runSast({ rootDir: root });
  findings = outcome.findings;
  ok = outcome.ok;
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const expectations = Object.entries(PLANTED).flatMap(([file, text]) =>
  text.split('\n').flatMap((line, index) => {
    const rule = /\/\/ expect: (\S+)/.exec(line)?.[1];
    return rule ? [{ file, line: index + 1, rule, code: line.trim().replace(/\s*\/\/ expect:.*$/, '') }] : [];
  }),
);

describe('SAST on planted bugs', () => {
  it('fails the stage', () => {
    expect(ok).toBe(false);
  });

  it.each(expectations)('reports $rule at $file:$line ($code)', ({ file, line, rule }) => {
    const here = findings.filter((f) => f.file === file && f.line === line).map((f) => f.rule);
    expect(here).toContain(rule);
  });

  it('allows Kysely sql`` with values in a repository but nowhere else', () => {
    const repositoryLine = PLANTED['src/feature/widget-repository.ts']?.split('\n').findIndex((l) => l.includes('byTitle')) ?? -1;
    expect(findings.filter((f) => f.file === 'src/feature/widget-repository.ts' && f.line === repositoryLine + 1)).toEqual([]);
    expect(findings.filter((f) => f.file === 'src/feature/widget-repository.ts' && f.rule === 'no-restricted-imports')).toEqual([]);
  });

  it('reports nothing in clean code', () => {
    expect(findings.filter((f) => f.file === 'src/feature/clean.ts')).toEqual([]);
  });
});
