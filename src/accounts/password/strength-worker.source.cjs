// Runs strength-worker.ts from the TypeScript sources (tests, `tsx` runs): worker threads on
// Node 20 get no ESM loader hooks, so the worker loads through tsx's require hook instead.
// Built code never uses this file: dist/ has strength-worker.js.
require('tsx/cjs');
require('./strength-worker.ts');
