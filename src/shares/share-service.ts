import type { PasswordHasher } from '../accounts/password/hashing.js';
import { normalizePassword } from '../accounts/password/policy.js';
import type { LoginThrottle, ThrottleKeys } from '../accounts/throttle/login-throttle.js';
import type { PhotoRecord } from '../photos/photo-repository.js';
import type { ShareLinkRow, ShareRepository, ShareWithPhoto } from './share-repository.js';
import { describeUnshareable, parseExpiry, sharePasswordErrors } from './share-rules.js';
import { generateShareId, generateShareToken, hashShareToken, isWellFormedShareId, isWellFormedShareToken } from './share-token.js';

export interface ShareServiceDeps {
  readonly shares: ShareRepository;
  readonly hasher: PasswordHasher;
  /** The login throttle, reused with per-link and per-address share keys. */
  readonly throttle: LoginThrottle;
  readonly now?: () => number;
}

export type ShareState = 'active' | 'expired' | 'revoked';

/** What the owner sees of a link: never its token, its hash or its password hash. */
export interface ShareLinkSummary {
  readonly id: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly hasPassword: boolean;
  readonly state: ShareState;
  readonly views: number;
}

export interface CreateShareInput {
  readonly expiresIn: string;
  readonly password: string;
}

export type CreateShareResult =
  | { readonly ok: true; readonly token: string; readonly link: ShareLinkSummary }
  | { readonly ok: false; readonly status: 400 | 409; readonly errors: readonly string[] };

export type UnlockResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'wrong_password' } | { readonly ok: false; readonly reason: 'throttled'; readonly retryAfterSeconds: number };

const LIST_LIMIT = 100;

export function createShareService(deps: ShareServiceDeps) {
  const now = deps.now ?? Date.now;

  return {
    /** Creates a link to a photo its caller owns; the returned token is the only copy there will ever be. */
    async create(photo: PhotoRecord, input: CreateShareInput): Promise<CreateShareResult> {
      const unshareable = describeUnshareable(photo.status);
      if (unshareable) return { ok: false, status: 409, errors: [unshareable] };
      const lifetime = parseExpiry(input.expiresIn);
      const password = normalizePassword(input.password);
      const errors = [...(lifetime === null ? ['Choose when the link expires: after 1, 7 or 30 days.'] : []), ...sharePasswordErrors(password)];
      if (lifetime === null || errors.length > 0) return { ok: false, status: 400, errors };
      const token = generateShareToken();
      const at = now();
      const row = {
        id: generateShareId(),
        photo_id: photo.id,
        owner_id: photo.owner_id,
        // ASVS 5.0 11.4.2: a link password is stored like an account password (argon2id).
        password_hash: password === '' ? '' : await deps.hasher.hash(password),
        expires_at: at + lifetime,
        revoked_at: 0,
        created_at: at,
        views: 0,
      };
      await deps.shares.insert({ ...row, token_hash: hashShareToken(token) });
      return { ok: true, token, link: summarize(row, at) };
    },

    async listForPhoto(ownerId: string, photoId: string): Promise<ShareLinkSummary[]> {
      const at = now();
      return (await deps.shares.listForPhoto(ownerId, photoId, LIST_LIMIT)).map((row) => summarize(row, at));
    },

    /** Revokes one of the owner's links to the photo (idempotent); false when there is no such link. */
    async revoke(ownerId: string, photoId: string, shareId: string): Promise<boolean> {
      if (!isWellFormedShareId(shareId)) return false;
      const share = await deps.shares.findOwned(ownerId, photoId, shareId);
      if (!share) return false;
      if (share.revoked_at === 0) await deps.shares.markRevoked(ownerId, shareId, now());
      return true;
    },

    /**
     * The live link for a token and its photo, or null. Malformed, unknown, expired and revoked
     * tokens, and photos that are no longer ready, all look the same to the caller.
     */
    async open(token: unknown): Promise<ShareWithPhoto | null> {
      if (!isWellFormedShareToken(token)) return null;
      const found = await deps.shares.findByTokenHash(hashShareToken(token));
      if (!found) return null;
      const { share, photo } = found;
      if (share.revoked_at !== 0 || share.expires_at <= now() || describeUnshareable(photo.status) !== null) return null;
      return found;
    },

    /**
     * Checks a link's password under the login throttle (OWASP Authentication cheat sheet,
     * ASVS 5.0 6.3.1): per link and per client address, with the same lockouts as logins.
     */
    async unlock(share: ShareLinkRow, rawPassword: string, address: string): Promise<UnlockResult> {
      const keys: ThrottleKeys = { account: `share:${share.id}`, address: `share-address:${address}` };
      const waitSeconds = await deps.throttle.secondsLocked(keys);
      if (waitSeconds > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: waitSeconds };
      if (!(await deps.hasher.verify(share.password_hash, normalizePassword(rawPassword)))) {
        await deps.throttle.recordFailure(keys);
        return { ok: false, reason: 'wrong_password' };
      }
      await deps.throttle.recordSuccess(keys);
      return { ok: true };
    },

    countView(share: ShareLinkRow): Promise<void> {
      return deps.shares.countView(share.id);
    },
  };
}

function summarize(row: ShareLinkRow, at: number): ShareLinkSummary {
  const state: ShareState = row.revoked_at !== 0 ? 'revoked' : row.expires_at <= at ? 'expired' : 'active';
  return { id: row.id, createdAt: row.created_at, expiresAt: row.expires_at, hasPassword: row.password_hash !== '', state, views: row.views };
}

export type ShareService = ReturnType<typeof createShareService>;
