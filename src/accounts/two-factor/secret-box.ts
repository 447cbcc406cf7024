import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Authenticated encryption of small secrets at rest (AES-256-GCM, NIST SP 800-38D) under a key
 * derived from SECRET_KEY with HKDF-SHA256 (RFC 5869) for one named purpose, so a copy of the
 * database alone does not reveal them and a key for one purpose never opens another's data.
 * Output: `v1.<iv>.<ciphertext+tag>` in base64url. Changing SECRET_KEY makes old values unreadable.
 */
export function createSecretBox(secretKey: string, purpose: string) {
  const key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), `photovault ${purpose}`, 32));
  const aad = Buffer.from(purpose);
  return {
    seal(plaintext: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    /** The plaintext, or null when the value is malformed, tampered with or sealed under another key. */
    open(sealed: string): string | null {
      const [version, ivText, bodyText, ...rest] = sealed.split('.');
      if (version !== VERSION || ivText === undefined || bodyText === undefined || rest.length > 0) return null;
      const iv = Buffer.from(ivText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad);
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;
