import type { AuthenticatedUser } from '../security/route-options.js';

/**
 * The users columns a credential look-up (session cookie, API token) joins in, so that one query
 * yields both the credential and the AuthenticatedUser of the request.
 */
export const AUTHENTICATED_USER_COLUMNS = ['users.username', 'users.email', 'users.photos_version'] as const;

interface UserColumns {
  readonly user_id: string;
  readonly username: string;
  readonly email: string;
  /** A count: SQLite gives a number, PostgreSQL's bigint may come as a string. */
  readonly photos_version: number | string | bigint;
}

/** Splits a joined row into the credential's own columns and the request's AuthenticatedUser. */
export function splitAuthenticatedUser<Row extends UserColumns>(row: Row): { readonly credential: Omit<Row, 'username' | 'email' | 'photos_version'>; readonly user: AuthenticatedUser } {
  const { username, email, photos_version, ...credential } = row;
  return { credential, user: { id: row.user_id, username, email, photosVersion: Number(photos_version) } };
}
