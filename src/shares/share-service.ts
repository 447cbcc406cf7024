import type { PasswordHasher } from '../accounts/password/hashing.js';
import { normalizePassword } from '../accounts/password/policy.js';
import type { LoginThrottle, ThrottleKeys } from '../accounts/throttle/login-throttle.js';
import type { PhotoRecord } from '../photos/photo-repository.js';
import type { ShareLinkRow, ShareRepository, ShareTarget, ShareWithTarget } from './share-repository.js';
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

/** What the owner shares, as read with its owner: a photo (only once ready) or an album. */
export type ShareSubject = { readonly kind: 'photo'; readonly photo: PhotoRecord } | { readonly kind: 'album'; readonly album: { readonly id: string; readonly owner_id: string } };

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
    /** Creates a link to a photo or album its caller owns; the returned token is the only copy there will ever be. */
    async create(subject: ShareSubject, input: CreateShareInput): Promise<CreateShareResult> {
      const unshareable = subject.kind === 'photo' ? describeUnshareable(subject.photo.status) : null;
      if (unshareable) return { ok: false, status: 409, errors: [unshareable] };
      const owned = subject.kind === 'photo' ? subject.photo : subject.album;
      const lifetime = parseExpiry(input.expiresIn);
      const password = normalizePassword(input.password);
      const errors = [...(lifetime === null ? ['Choose when the link expires: after 1, 7 or 30 days.'] : []), ...sharePasswordErrors(password)];
      if (lifetime === null || errors.length > 0) return { ok: false, status: 400, errors };
      const token = generateShareToken();
      const at = now();
      const row = {
        id: generateShareId(),
        photo_id: subject.kind === 'photo' ? owned.id : null,
        album_id: subject.kind === 'album' ? owned.id : null,
        owner_id: owned.owner_id,
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

    async list(ownerId: string, target: ShareTarget): Promise<ShareLinkSummary[]> {
      const at = now();
      return (await deps.shares.listFor(ownerId, target, LIST_LIMIT)).map((row) => summarize(row, at));
    },

    /** Revokes one of the owner's links to the photo or album (idempotent); false when there is no such link. */
    async revoke(ownerId: string, target: ShareTarget, shareId: string): Promise<boolean> {
      if (!isWellFormedShareId(shareId)) return false;
      const share = await deps.shares.findOwned(ownerId, target, shareId);
      if (!share) return false;
      if (share.revoked_at === 0) await deps.shares.markRevoked(ownerId, shareId, now());
      return true;
    },

    /**
     * The live link for a token and its photo or album, or null. Malformed, unknown, expired and
     * revoked tokens, and photos that are no longer ready, all look the same to the caller.
     */
    async open(token: unknown): Promise<ShareWithTarget | null> {
      if (!isWellFormedShareToken(token)) return null;
      const found = await deps.shares.findByTokenHash(hashShareToken(token));
      if (!found) return null;
      const { share } = found;
      if (share.revoked_at !== 0 || share.expires_at <= now()) return null;
      if (found.kind === 'photo' && describeUnshareable(found.photo.status) !== null) return null;
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
