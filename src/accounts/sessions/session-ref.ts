import { createHash } from 'node:crypto';

/**
 * The id a session goes by in pages and the API: derived from the stored SHA-256 of its token
 * (22 base64url characters, 132 bits), so neither the cookie value nor the key it is stored under
 * ever leaves the server, and nothing new has to be stored.
 */
export function sessionRef(idHash: string): string {
  return createHash('sha256').update(`photovault session ref\0${idHash}`).digest('base64url').slice(0, 22);
}
