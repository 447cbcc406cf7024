import type { Generated } from 'kysely';

/** Table types for Kysely. Times are epoch milliseconds stored as integers (bigint in PostgreSQL). */
export interface UsersTable {
  id: string;
  username: string;
  /** NFKC + lower-case form of the username; unique, used for look-ups. */
  username_key: string;
  email: string;
  /** emailKey(email): NFKC, lower-cased; indexed, not unique (migration 0010). */
  email_key: Generated<string>;
  password_hash: string;
  created_at: number;
  password_changed_at: number;
  /** Bumped by a trigger on every change to this user's photos (migration 0006). */
  photos_version: Generated<number>;
  /** 'user' or 'admin' (migration 0011). */
  role: Generated<UserRole>;
  /** When an admin disabled the account; 0 while it is active. */
  disabled_at: Generated<number>;
  /** The TOTP secret, encrypted (two-factor/secret-box.ts); '' when none is set up. */
  totp_secret: Generated<string>;
  /** When two-factor login was confirmed; 0 while it is off (a secret may wait for confirmation). */
  totp_enabled_at: Generated<number>;
  /** The last TOTP time step accepted: a code of that step or earlier is never accepted again. */
  totp_last_step: Generated<number>;
  /** When the owner asked to delete the account (migration 0020); 0 while it lives. It can no longer log in. */
  deleted_at: Generated<number>;
  /** When the deletion job finished: the row is then an anonymised tombstone (id and username kept). */
  purged_at: Generated<number>;
  /** The most this user's photos may take, in bytes (trashed ones count); null: no limit (migration 0014). */
  storage_quota_bytes: Generated<number | null>;
}

export type UserRole = 'user' | 'admin';

export interface SessionsTable {
  /** SHA-256 of the session token; the token itself is only ever in the client's cookie. */
  id_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string;
}

export interface PasswordResetTokensTable {
  /** SHA-256 (hex) of the token in the mailed link; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface LoginThrottleTable {
  /**
   * `account:<username_key>` or `address:<ip>` for logins (and `passkey-address:<ip>` for
   * passwordless passkey logins); `share:<share id>` or `share-address:<ip>`
   * for share-link passwords; `reset-email:<email_key>`, `reset-address:<ip>` and `reset-account:<user id>`
   * for password-reset requests.
   */
  key: string;
  failures: number;
  first_failure_at: number;
  locked_until: number;
}

export type PhotoStatus = 'queued' | 'scanning' | 'processing' | 'ready' | 'pending_scan' | 'held' | 'rejected' | 'failed' | 'removed';

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
  /** Hex SHA-256 of the bytes as uploaded: one photo per owner and hash ('' before it was kept). */
  upload_hash: Generated<string>;
  /** Base64 ThumbHash shown while thumbnails load. */
  placeholder: Generated<string>;
  alt_text: Generated<string>;
  caption: Generated<string>;
  /** W3C traceparent of the upload request, so background steps join its trace. */
  trace_parent: Generated<string>;
  created_at: number;
  updated_at: Generated<number>;
  /**
   * When it was taken, by the camera's clock: epoch ms whose UTC fields are the local date and time
   * (EXIF DateTimeOriginal); null when unknown. taken_offset: minutes east of UTC, when recorded.
   * The gallery orders by coalesce(taken_at, created_at) (migration 0008's index).
   */
  taken_at: Generated<number | null>;
  taken_offset: Generated<number | null>;
  camera_make: Generated<string>;
  camera_model: Generated<string>;
  lens_model: Generated<string>;
  /** Seconds. */
  exposure_time: Generated<number | null>;
  f_number: Generated<number | null>;
  iso: Generated<number | null>;
  /** Millimetres. */
  focal_length: Generated<number | null>;
  /** Degrees; stored only when the owner chose to keep the location at upload. */
  latitude: Generated<number | null>;
  longitude: Generated<number | null>;
  /** 1 when the owner ticked "keep location" at upload. */
  keep_location: Generated<number>;
  /** When the owner moved it to the Trash; null while it is in the library (migration 0014). */
  trashed_at: Generated<number | null>;
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
  /** What the link shares: exactly one of photo_id and album_id is set (migration 0013). */
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

export interface RecoveryCodesTable {
  user_id: string;
  /** SHA-256 (hex) of the code; the codes are shown once and never stored. */
  code_hash: string;
  created_at: number;
  /** When the code was used; 0 while it is unused. */
  used_at: Generated<number>;
}

/** A login whose password was right and whose second factor is still awaited (bound to one browser's cookie). */
export interface LoginChallengesTable {
  /** SHA-256 of the challenge cookie's token. */
  id_hash: string;
  user_id: string;
  /** Where to go after the second step (already checked by safeNextPath). */
  next: string;
  created_at: number;
  expires_at: number;
}

/** One security event (src/audit/). Absent actors and targets are ''. */
export interface AuditLogTable {
  id: string;
  at: number;
  event: string;
  actor_id: string;
  actor_name: string;
  target_id: string;
  target_name: string;
  ip: string;
  request_id: string;
  detail: string;
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

export type AccountExportStatus = 'queued' | 'building' | 'ready' | 'failed';

/** One data export of a user (migration 0020): a zip in media storage under `<id>/photovault-export.zip`. */
export interface AccountExportsTable {
  /** 128 random bits as 32 hex characters: also the storage key's prefix. */
  id: string;
  user_id: string;
  status: AccountExportStatus;
  bytes: Generated<number>;
  photo_count: Generated<number>;
  created_at: number;
  ready_at: Generated<number>;
  /** When the download stops working and housekeeping removes the file (0 until ready). */
  expires_at: Generated<number>;
}

/** A user's WebAuthn credential (src/accounts/passkeys/). Binary values are base64url text. */
export interface PasskeysTable {
  /** Our random id for it in URLs (the credential id is the authenticator's). */
  id: string;
  user_id: string;
  credential_id: string;
  /** The COSE public key. */
  public_key: string;
  /** The signature counter last seen; an assertion must raise it (or both stay 0). */
  counter: number;
  /** Comma-separated AuthenticatorTransport values the browser reported. */
  transports: string;
  /** The WebAuthn user handle stored in the authenticator (random, the same for one user's passkeys). */
  user_handle: string;
  name: string;
  created_at: number;
  /** 0 until first used to log in. */
  last_used_at: Generated<number>;
}

/** A pending WebAuthn ceremony: one per binding (session or pre-login cookie) and purpose; deleted when used. */
export interface WebauthnChallengesTable {
  binding: string;
  purpose: string;
  challenge: string;
  /** The user the ceremony is for; '' for a passwordless login (the passkey names its user). */
  user_id: string;
  rp_id: string;
  origin: string;
  expires_at: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  photos: PhotosTable;
  jobs: JobsTable;
  api_tokens: ApiTokensTable;
  share_links: ShareLinksTable;
  recovery_codes: RecoveryCodesTable;
  login_challenges: LoginChallengesTable;
  audit_log: AuditLogTable;
  password_reset_tokens: PasswordResetTokensTable;
  albums: AlbumsTable;
  album_photos: AlbumPhotosTable;
  account_exports: AccountExportsTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
}
