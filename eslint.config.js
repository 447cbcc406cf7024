// Lint = the SAST stage (scripts/security/sast.ts): type-aware TypeScript rules, three security
// rule sets and this codebase's own bans. Zero findings are allowed, warnings included.
import js from '@eslint/js';
import sdl from '@microsoft/eslint-plugin-sdl';
import noUnsanitized from 'eslint-plugin-no-unsanitized';
import security from 'eslint-plugin-security';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import photovault from './scripts/security/eslint/photovault-plugin.js';

/** Where lint looks: the app, the browser scripts and the tooling. */
export const LINT_TARGETS = ['src', 'public', 'scripts'];

// The database layer: the only code that may write SQL (Kysely's sql`` tag, sql.raw with care).
const DATABASE_LAYER = ['src/db/**', 'src/**/*-repository.ts'];

// Code that reads and writes files under DATA_DIR with paths it builds from server-generated ids
// (storage, staging, scanning, the secret key): detect-non-literal-fs-filename cannot tell those
// from request-controlled paths, so it is off here and on everywhere else (path traversal in
// these modules is covered by test/photos and the DAST stage instead).
const FILESYSTEM_LAYER = [
  ...DATABASE_LAYER,
  'src/config/**',
  'src/media/storage/**',
  'src/media/scanner/**',
  'src/photos/upload/**',
  'src/photos/pipeline/**',
  'src/photos/processing/**',
  // Export work files: named by the export's random id, under DATA_DIR/exports-work.
  'src/accounts/export/build-export-job.ts',
  'src/accounts/export/export-zip.ts',
];

// Plain-http URLs that are not network traffic: XML namespaces, loopback, reserved names (RFC 2606).
const HTTP_URL_EXCEPTIONS = [
  '^http://www\\.w3\\.org/',
  '^http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:|/|$)',
  '^http://[^/]*\\.(invalid|example|test|localhost)(:|/|$)',
];

const restricted = (selector, message) => ({ selector, message });

// OWASP Injection Prevention: SQL only through the query builder, and only in repositories.
const SQL_OUTSIDE_DATABASE_LAYER = [
  restricted(
    "CallExpression[callee.type='MemberExpression'][callee.object.name='sql'][callee.property.name=/^(raw|lit|ref|id|table|join)$/]",
    'Raw SQL (sql.raw/lit/ref/id/table/join) belongs in src/db or a *-repository.ts file.',
  ),
  restricted(
    "TaggedTemplateExpression[tag.name='sql'] > TemplateLiteral > :not(TemplateElement, Literal)",
    'SQL with interpolated values belongs in src/db or a *-repository.ts file.',
  ),
];

const EVERYWHERE = [
  // XSS (OWASP XSS Prevention rule: no HTML sinks; preact escapes everything else).
  restricted("JSXAttribute[name.name='dangerouslySetInnerHTML']", 'dangerouslySetInnerHTML bypasses escaping: render elements instead.'),
  restricted("Property[key.name='dangerouslySetInnerHTML']", 'dangerouslySetInnerHTML bypasses escaping: render elements instead.'),
  // Code injection: no code strings reach an interpreter.
  restricted("ImportExpression[source.value=/^(node:)?(child_process|vm)$/]", 'No child_process or vm in the app.'),
  restricted("CallExpression[callee.name='require'][arguments.0.value=/^(node:)?(child_process|vm)$/]", 'No child_process or vm in the app.'),
  restricted("NewExpression[callee.name='Worker'] Property[key.name='eval'][value.value=true]", 'A Worker evaluating a code string is eval.'),
  // Template injection: never compile a template (lodash/underscore template, engines' compile).
  restricted(
    "CallExpression[callee.type='MemberExpression'][callee.property.name='template'][callee.object.name=/^(_|lodash|underscore)$/]",
    'Compiling a template from a string is template injection waiting to happen: use preact components.',
  ),
  restricted(
    "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(compile|precompile|renderString|compileFile|template)$/][callee.object.name=/^(handlebars|Handlebars|ejs|pug|jade|nunjucks|Mustache|mustache|dot|doT|eta|Eta|hogan|Hogan|swig|vash|twig|Twig)$/]",
    'Compiling a template from a string is template injection waiting to happen: use preact components.',
  ),
  // TLS: certificate verification stays on (ASVS 5.0 12.3.2).
  restricted("Property[key.name='rejectUnauthorized'][value.value=false]", 'Never disable TLS certificate verification.'),
  restricted("AssignmentExpression[left.property.name='rejectUnauthorized'][right.value=false]", 'Never disable TLS certificate verification.'),
  restricted("MemberExpression[property.name='NODE_TLS_REJECT_UNAUTHORIZED']", 'Never disable TLS certificate verification (NODE_TLS_REJECT_UNAUTHORIZED).'),
  restricted("Literal[value='NODE_TLS_REJECT_UNAUTHORIZED']", 'Never disable TLS certificate verification (NODE_TLS_REJECT_UNAUTHORIZED).'),
  restricted("Property[key.name='NODE_TLS_REJECT_UNAUTHORIZED']", 'Never disable TLS certificate verification (NODE_TLS_REJECT_UNAUTHORIZED).'),
  restricted("Property[key.name='checkServerIdentity']", 'A custom checkServerIdentity can switch host-name verification off: use the default.'),
  restricted("Property[key.name='insecureHTTPParser'][value.value=true]", 'The lenient HTTP parser allows request smuggling.'),
];

const HTML_SINKS = [
  { property: 'innerHTML', message: 'innerHTML parses markup: set textContent or build elements.' },
  { property: 'outerHTML', message: 'outerHTML parses markup: set textContent or build elements.' },
  { property: 'insertAdjacentHTML', message: 'insertAdjacentHTML parses markup: use insertAdjacentText or build elements.' },
  { property: 'createContextualFragment', message: 'createContextualFragment parses markup: build elements.' },
  { object: 'document', property: 'write', message: 'document.write parses markup.' },
  { object: 'document', property: 'writeln', message: 'document.writeln parses markup.' },
];

const TEMPLATE_ENGINES = ['handlebars', 'ejs', 'pug', 'jade', 'mustache', 'nunjucks', 'lodash.template', 'lodash/template', 'lodash-es/template', 'underscore', 'dot', 'eta', 'hogan.js', 'swig', 'vash', 'twig', 'squirrelly', 'art-template', 'es6-template-strings'];
const templateEngineBans = TEMPLATE_ENGINES.map((name) => ({ name, message: 'Pages are preact components: no template engine, so no template can be compiled from input.' }));
const processBans = ['child_process', 'node:child_process', 'vm', 'node:vm'].map((name) => ({
  name,
  message: 'No child_process or vm in the app (command and code injection); only tests and scripts may spawn processes.',
}));
const driverBans = ['pg', 'libsql', 'better-sqlite3', 'sqlite3', 'mysql', 'mysql2'].map((name) => ({
  name,
  message: 'Database drivers are used only in src/db (Kysely dialects).',
}));
const kyselySqlBan = { name: 'kysely', importNames: ['sql'], message: 'The sql`` tag belongs in src/db or a *-repository.ts file.' };

/**
 * The whole configuration for a project rooted at `rootDir` (the repository, or a test's
 * temporary project): type-aware through the TypeScript project service.
 */
export function createConfig(rootDir) {
  return defineConfig(
    { ignores: ['**/node_modules/**', 'dist/**', 'coverage/**', 'reports/**', 'data/**', 'public/vendor/**'] },
    {
      files: ['src/**/*.{ts,tsx}', 'scripts/**/*.{ts,mts}'],
      extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
      languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: rootDir } },
    },
    {
      files: ['public/**/*.js', 'scripts/**/*.{js,mjs}', '*.js'],
      extends: [js.configs.recommended, tseslint.configs.disableTypeChecked],
      languageOptions: { sourceType: 'module', globals: { ...BROWSER_AND_NODE_GLOBALS } },
    },
    {
      files: ['src/**/*.{ts,tsx}', 'public/**/*.js', 'scripts/**/*.{ts,mts,js,mjs}'],
      extends: [security.configs.recommended, ...sdl.configs.common, ...sdl.configs.node],
      plugins: { 'no-unsanitized': noUnsanitized, photovault },
      linterOptions: { reportUnusedDisableDirectives: 'error' },
      rules: {
        ...allErrors(security.configs.recommended.rules),
        // Flags every obj[key]; with strict types and noUncheckedIndexedAccess it is noise.
        'security/detect-object-injection': 'off',
        '@microsoft/sdl/no-insecure-url': ['error', { exceptions: HTTP_URL_EXCEPTIONS }],
        'no-unsanitized/method': 'error',
        'no-unsanitized/property': 'error',
        'photovault/no-string-sql': 'error',
        'no-restricted-syntax': ['error', ...EVERYWHERE, ...SQL_OUTSIDE_DATABASE_LAYER],
        'no-restricted-properties': ['error', ...HTML_SINKS],
        'no-restricted-imports': ['error', { paths: [...templateEngineBans, ...processBans, ...driverBans, kyselySqlBan] }],
      },
    },
    {
      files: ['src/**/*.{ts,tsx}'],
      rules: {
        '@typescript-eslint/no-implied-eval': 'error',
        // Fastify plugins and hooks are async by contract (the promise signals completion), with
        // or without an await inside; the rule would flag the framework's own idiom.
        '@typescript-eslint/require-await': 'off',
        // The codebase marks deliberately unused names with a leading underscore.
        '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      },
    },
    {
      files: FILESYSTEM_LAYER,
      rules: { 'security/detect-non-literal-fs-filename': 'off' },
    },
    {
      // The database layer may use Kysely's sql`` tag and the drivers; never string-built SQL.
      files: DATABASE_LAYER,
      rules: {
        'no-restricted-syntax': ['error', ...EVERYWHERE],
        'no-restricted-imports': ['error', { paths: [...templateEngineBans, ...processBans] }],
      },
    },
    {
      // Tooling runs CI programs (git, eslint, cyclonedx) and reads the paths it is given;
      // nothing in it handles a request. Everything else above still applies.
      files: ['scripts/**/*.{ts,mts,js,mjs}'],
      rules: {
        'security/detect-child-process': 'off',
        'security/detect-non-literal-fs-filename': 'off',
        'no-restricted-imports': ['error', { paths: [...templateEngineBans, ...driverBans, kyselySqlBan] }],
      },
    },
  );
}

// Browser scripts (public/) and Node tooling share one file set; both sets of names are globals.
const BROWSER_AND_NODE_GLOBALS = Object.fromEntries(
  ['window', 'document', 'navigator', 'location', 'fetch', 'URL', 'URLSearchParams', 'FormData', 'Blob', 'File', 'XMLHttpRequest', 'atob', 'btoa', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'requestAnimationFrame', 'AbortController', 'TextEncoder', 'TextDecoder', 'process', 'Buffer', 'structuredClone', 'queueMicrotask', 'performance', 'crypto'].map((name) => [name, 'readonly']),
);

function allErrors(rules) {
  return Object.fromEntries(Object.keys(rules).map((name) => [name, 'error']));
}

export default createConfig(import.meta.dirname);
