import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';
import { splitCodePoints } from './code-points.js';
import type { PasswordUserAttributes } from './policy.js';
import { splitAttributeValue } from './user-attribute-parts.js';

// zxcvbn scores 0-4; 3 is "safely unguessable: moderate protection from offline slow-hash
// attacks". NIST SP 800-63B 3.1.1.2 allows verifiers to offer (and enforce) strength guidance.
const MIN_STRENGTH_SCORE = 3;
// zxcvbn's matching is super-linear in the input length (measured here: 50-470 ms for 24-64
// characters, ~900 ms for 128), so only a prefix is analysed: 40 characters that zxcvbn rates
// strong make a strong password whatever follows. The app runs this on a thread of its own
// (strength-check.ts), never on the event loop; signups are also rate-limited per address.
const MAX_ANALYSED_CODE_POINTS = 40;

let zxcvbn: ZxcvbnFactory | undefined;

// Built once on first use: constructing the factory ranks every dictionary, which is slow.
function getZxcvbn(): ZxcvbnFactory {
  zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...commonDictionary, ...englishDictionary },
    graphs: adjacencyGraphs,
    translations,
  });
  return zxcvbn;
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
