import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * package.json's start script (or another, e.g. 'worker'), `NAME=value … node <args>`, as
 * environment and node arguments, so the bench and the soak run the built app exactly as
 * `npm start` (`npm run worker`) does. `extraNodeArgs` go after the script's own flags (so they
 * override them) and before the entry file.
 */
export function startCommand(extraNodeArgs: readonly string[] = [], script = 'start'): { readonly env: Record<string, string>; readonly args: readonly string[] } {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = (scripts[script] ?? '').trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const word = words.shift() ?? '';
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  if (words.shift() !== 'node') throw new Error(`the ${script} script in package.json must run node`);
  return { env, args: [...words.slice(0, -1), ...extraNodeArgs, ...words.slice(-1)] };
}

/** A 127.0.0.1 port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
