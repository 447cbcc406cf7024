import type { Generated } from 'kysely';

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
  /** Bumped by a trigger on every change to this user's photos (migration 0006). */
  photos_version: Generated<number>;
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
  /** `account:<username_key>` or `address:<ip>` for logins; `share:<share id>` or `share-address:<ip>` for share-link passwords. */
  key: string;
  failures: number;
  first_failure_at: number;
  locked_until: number;
}

export type PhotoStatus = 'queued' | 'scanning' | 'processing' | 'ready' | 'pending_scan' | 'held' | 'rejected' | 'failed';

export interface PhotosTable {
  id: string;
  owner_id: string;
  status: PhotoStatus;
  /** Why the photo is held, rejected or failed: a message safe to show its owner. */
  status_detail: Generated<string>;
  title: string;
  /** The uploaded file's name, sanitised; shown, never used as a path. */
  original_name: Generated<string>;
  /** Format of the stored (re-encoded) original: jpeg, png or webp. */
  format: Generated<string>;
  mime: Generated<string>;
  width: Generated<number>;
  height: Generated<number>;
  bytes: Generated<number>;
  /** Hex SHA-256 of the stored original; also the ETag of its media. */
  content_hash: Generated<string>;
  /** Base64 ThumbHash shown while thumbnails load. */
  placeholder: Generated<string>;
  alt_text: Generated<string>;
  caption: Generated<string>;
  /** W3C traceparent of the upload request, so background steps join its trace. */
  trace_parent: Generated<string>;
  created_at: number;
  updated_at: Generated<number>;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobsTable {
  id: string;
  kind: string;
  photo_id: string | null;
  payload: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: number;
  /** While running: when the lease ends and another worker may take the job over (renewed by a heartbeat). */
  locked_until: number;
  /** While running: the worker holding it, `host/pid/random` (migration 0007). */
  locked_by: Generated<string>;
  last_error: string;
  created_at: number;
  updated_at: number;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 (hex) of the token; the token itself is shown once at creation and never stored. */
  token_hash: string;
  /** The token's first characters, to tell tokens apart in lists. */
  prefix: string;
  created_at: number;
  last_used_at: number | null;
}

export interface ShareLinksTable {
  id: string;
  /** What the link shares: exactly one of photo_id and album_id is set (migration 0009). */
  photo_id: string | null;
  album_id: string | null;
  owner_id: string;
  /** SHA-256 (hex) of the link's token; the token itself is shown once at creation and never stored. */
  token_hash: string;
  /** argon2id PHC string of the link's password; '' when the link has none. */
  password_hash: string;
  expires_at: number;
  /** When the owner revoked the link; 0 while it is active. */
  revoked_at: number;
  created_at: number;
  views: number;
}

export interface AlbumsTable {
  /** 128 random bits as 32 hex characters, like photo ids. */
  id: string;
  owner_id: string;
  name: string;
  /** The owner's chosen cover (one of the album's photos); null: the album's first photo. */
  cover_photo_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface AlbumPhotosTable {
  album_id: string;
  /** Always a photo of the album's owner. */
  photo_id: string;
  /** Order in the album: photos added later come after. */
  position: number;
  added_at: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  photos: PhotosTable;
  jobs: JobsTable;
  api_tokens: ApiTokensTable;
  share_links: ShareLinksTable;
  albums: AlbumsTable;
  album_photos: AlbumPhotosTable;
}
