import { createRequire } from 'node:module';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { splitCodePoints } from './code-points.js';
import type { PasswordUserAttributes } from './policy.js';
import { splitAttributeValue } from './user-attribute-parts.js';

// zxcvbn scores 0-4; 3 is "safely unguessable: moderate protection from offline slow-hash
// attacks". NIST SP 800-63B 3.1.1.2 allows verifiers to offer (and enforce) strength guidance.
const MIN_STRENGTH_SCORE = 3;
// zxcvbn's matching is super-linear in the input length (measured here: 50-470 ms for 24-64
// characters, ~900 ms for 128), and it runs on the event loop, so only a prefix is analysed.
// 40 characters that zxcvbn rates strong make a strong password whatever follows; signups are
// also rate-limited per address (src/accounts/routes.tsx).
const MAX_ANALYSED_CODE_POINTS = 40;
/** The dictionaries are dropped this long after the last check (a burst of signups shares one load). */
export const DICTIONARY_IDLE_RELEASE_MS = 5 * 60_000;

interface LoadedZxcvbn {
  readonly factory: ZxcvbnFactory;
  /** The require-cache entries the load added (and only those), dropped again on release. */
  readonly modules: readonly string[];
}

let loaded: LoadedZxcvbn | undefined;
let releaseTimer: NodeJS.Timeout | undefined;

/**
 * zxcvbn's dictionaries (236,000 ranked words; ~30 MB of the app's heap, the largest thing in it
 * in a heap snapshot) are needed only while a password is set, which a photo server does rarely.
 * They are loaded on the first check (~100 ms to decompress the language packs and ~170 ms to rank
 * them, on the event loop) and released after DICTIONARY_IDLE_RELEASE_MS without checks. The packs
 * are loaded with require() so that they can be unloaded: an ES module stays in the module map for
 * the process's life, and with it every word.
 */
function getZxcvbn(): ZxcvbnFactory {
  loaded ??= loadZxcvbn();
  clearTimeout(releaseTimer);
  releaseTimer = setTimeout(releasePasswordDictionaries, DICTIONARY_IDLE_RELEASE_MS);
  releaseTimer.unref();
  return loaded.factory;
}

function loadZxcvbn(): LoadedZxcvbn {
  // A require of its own each time: its (hidden) parent module lists every module it loads, so a
  // long-lived require would keep them reachable after release.
  const require = createRequire(import.meta.url);
  const before = new Set(Object.keys(require.cache));
  const { ZxcvbnFactory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const english = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
  const factory = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  });
  return { factory, modules: Object.keys(require.cache).filter((key) => !before.has(key)) };
}

/** Drops the dictionaries now (the next check loads them again). */
export function releasePasswordDictionaries(): void {
  clearTimeout(releaseTimer);
  releaseTimer = undefined;
  if (!loaded) return;
  const cache = createRequire(import.meta.url).cache;
  for (const key of loaded.modules) delete cache[key];
  loaded = undefined;
}

/** Whether the dictionaries are in memory now. */
export function passwordDictionariesLoaded(): boolean {
  return loaded !== undefined;
}

// ASVS 5.0 6.2.11: the username and e-mail address are context-specific words.
function collectUserInputs(user: PasswordUserAttributes): string[] {
  const values = [user.username, user.email].filter(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  const parts = values.flatMap(splitAttributeValue).filter((part) => part !== '');
  return [...new Set(parts)];
}

export function validatePasswordStrength(password: string, user: PasswordUserAttributes): string | null {
  const analysed = splitCodePoints(password).slice(0, MAX_ANALYSED_CODE_POINTS).join('');
  const result = getZxcvbn().check(analysed, collectUserInputs(user));
  if (result.score >= MIN_STRENGTH_SCORE) return null;

  const { warning, suggestions } = result.feedback;
  return ['This password is too easy to guess.', warning, ...suggestions]
    .filter((sentence): sentence is string => typeof sentence === 'string' && sentence !== '')
    .join(' ');
}
