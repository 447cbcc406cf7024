import { countCodePoints } from './code-points.js';
import type { PasswordUserAttributes } from './policy.js';
import { computeQuickRatio } from './quick-ratio.js';
import { splitAttributeValue } from './user-attribute-parts.js';

// Port of Django's UserAttributeSimilarityValidator (default max_similarity 0.7).
// ASVS 5.0 6.2.11 / NIST SP 800-63B 3.1.1.2: reject context-specific words such as the username.
export const DEFAULT_MAX_SIMILARITY = 0.7;

// Attributes in Django's default order, with the verbose names used in the message.
const COMPARED_ATTRIBUTES = [
  ['username', 'username'],
  ['email', 'email address'],
] as const satisfies ReadonlyArray<readonly [keyof PasswordUserAttributes, string]>;

// Django's exceeds_maximum_length_ratio(): when the password is 10x longer than the value,
// quick_ratio cannot reach max_similarity, so the comparison is skipped.
function exceedsMaximumLengthRatio(password: string, maxSimilarity: number, value: string): boolean {
  const passwordLength = countCodePoints(password);
  const lengthBoundSimilarity = (maxSimilarity / 2) * passwordLength;
  const valueLength = countCodePoints(value);
  return passwordLength >= 10 * valueLength && valueLength < lengthBoundSimilarity;
}

export function validateUserAttributeSimilarity(
  password: string,
  user: PasswordUserAttributes,
  maxSimilarity: number = DEFAULT_MAX_SIMILARITY,
): string | null {
  // Django refuses a max_similarity below 0.1: it would reject almost every password.
  if (!(maxSimilarity >= 0.1)) throw new RangeError('maxSimilarity must be at least 0.1.');

  const loweredPassword = password.toLowerCase();
  for (const [attribute, verboseName] of COMPARED_ATTRIBUTES) {
    const value: unknown = user[attribute];
    // Django skips empty and non-string attribute values.
    if (typeof value !== 'string' || value === '') continue;
    for (const part of splitAttributeValue(value)) {
      if (exceedsMaximumLengthRatio(loweredPassword, maxSimilarity, part)) continue;
      if (computeQuickRatio(loweredPassword, part) >= maxSimilarity) {
        return `The password is too similar to the ${verboseName}.`;
      }
    }
  }
  return null;
}
