/** Table types for Kysely. Times are epoch milliseconds stored as integers (bigint in PostgreSQL). */
export interface UsersTable {
  id: string;
  username: string;
  /** NFKC + lower-case form of the username; unique, used for look-ups. */
  username_key: string;
  email: string;
  password_hash: string;
  created_at: number;
  password_changed_at: number;
}

export interface SessionsTable {
  /** SHA-256 of the session token; the token itself is only ever in the client's cookie. */
  id_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string;
}

export interface LoginThrottleTable {
  /** `account:<username_key>` or `address:<ip>`. */
  key: string;
  failures: number;
  first_failure_at: number;
  locked_until: number;
}

export interface PhotosTable {
  id: string;
  owner_id: string;
  status: string;
  title: string;
  created_at: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  photos: PhotosTable;
}
