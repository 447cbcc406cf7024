import { createHmac, randomBytes } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { ChallengeRecord, PasskeyRecord, PasskeyRepository, PasskeyWithUser } from './passkey-repository.js';
import type { RelyingParty } from './relying-party.js';

/**
 * @simplewebauthn/server (with its ASN.1 and X.509 stack, ~25 MB resident) is loaded on the first
 * ceremony, not at start-up: most processes (workers, and web instances between passkey logins) never need it.
 */
const webauthn = () => import('@simplewebauthn/server');

/** A ceremony must finish within this time of its options (and the browser is told the same). */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60_000;
export const MAX_PASSKEYS_PER_USER = 20;
export const MAX_PASSKEY_NAME = 64;
const RP_NAME = 'photovault';
// ES256, EdDSA, RS256: what platform authenticators and security keys offer.
const ALGORITHMS = [-7, -8, -257];
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
const BASE64URL = /^[A-Za-z0-9_-]{1,1400}$/;

/** What a ceremony is for; a challenge issued for one is never accepted for another. */
export type CeremonyPurpose = 'register' | 'login' | 'second_factor';

export type AssertionFailure =
  | { ok: false; reason: 'expired' }
  | { ok: false; reason: 'malformed' }
  | { ok: false; reason: 'unknown_credential' }
  /** A passkey of another account than the one logging in. */
  | { ok: false; reason: 'wrong_user'; passkey: PasskeyWithUser }
  | { ok: false; reason: 'invalid'; passkey: PasskeyWithUser }
  /** The signature counter did not rise: a cloned authenticator, or a replayed assertion (WebAuthn §6.1.1). */
  | { ok: false; reason: 'counter_regression'; passkey: PasskeyWithUser }
  | { ok: false; reason: 'disabled'; passkey: PasskeyWithUser };

export type AssertionResult = { ok: true; passkey: PasskeyWithUser } | AssertionFailure;

export type RegistrationResult =
  | { ok: true; passkey: PasskeyRecord }
  | { ok: false; reason: 'expired' | 'malformed' | 'invalid' | 'duplicate' | 'too_many' | 'bad_name'; message: string };

export interface PasskeyServiceDeps {
  readonly repository: PasskeyRepository;
  /** Derives each user's WebAuthn user handle (SECRET_KEY): stable, random-looking, not the user id. */
  readonly handleKey: string;
  readonly now?: () => number;
}

/** A passkey's name as typed: trimmed, control characters refused, at most MAX_PASSKEY_NAME characters. */
export function passkeyNameErrors(name: string): string[] {
  if (name.length === 0) return ['Enter a name for the passkey.'];
  if ([...name].length > MAX_PASSKEY_NAME) return [`Use at most ${MAX_PASSKEY_NAME} characters.`];
  if (/\p{Cc}/u.test(name)) return ['The name cannot contain control characters.'];
  return [];
}

function isCredentialJson(value: unknown): value is { id: string; rawId: string; type: 'public-key'; response: Record<string, unknown> } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['id'] === 'string' && BASE64URL.test(v['id']) && v['rawId'] === v['id'] && v['type'] === 'public-key' && typeof v['response'] === 'object' && v['response'] !== null;
}

const isCounterError = (error: unknown) => error instanceof Error && /^Response counter value/.test(error.message);

/**
 * Passkeys (W3C WebAuthn Level 3 through @simplewebauthn/server): registration and assertion
 * ceremonies whose challenges live server-side, single-use, for 5 minutes, bound to the session or
 * pre-login cookie that asked for them (ASVS 5.0 6.5.x); user verification required; a counter
 * that does not rise is refused.
 */
export function createPasskeyService(deps: PasskeyServiceDeps) {
  const now = deps.now ?? (() => Date.now());
  const { repository } = deps;
  const handleFor = (userId: string) => createHmac('sha256', deps.handleKey).update(`webauthn user handle\0${userId}`).digest('base64url');

  async function takeLive(binding: string, purpose: CeremonyPurpose) {
    const challenge = await repository.takeChallenge(binding, purpose);
    return challenge && challenge.expires_at > now() ? challenge : undefined;
  }

  async function putChallenge(binding: string, purpose: CeremonyPurpose, challenge: string, userId: string, rp: RelyingParty) {
    await repository.putChallenge({ binding, purpose, challenge, user_id: userId, rp_id: rp.id, origin: rp.origin, expires_at: now() + PASSKEY_CHALLENGE_TTL_MS });
  }

  return {
    list: (userId: string) => repository.listByUser(userId),
    count: (userId: string) => repository.countByUser(userId),
    async hasAny(userId: string): Promise<boolean> {
      return (await repository.countByUser(userId)) > 0;
    },
    find: (userId: string, id: string) => repository.findOwned(userId, id),

    /** Options for navigator.credentials.create(): a discoverable credential with user verification. */
    async registrationOptions(user: { id: string; username: string }, rp: RelyingParty, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON | null> {
      const existing = await repository.listByUser(user.id);
      if (existing.length >= MAX_PASSKEYS_PER_USER) return null;
      const { generateRegistrationOptions } = await webauthn();
      const options = await generateRegistrationOptions({
        rpName: RP_NAME,
        rpID: rp.id,
        userName: user.username,
        userDisplayName: user.username,
        userID: new Uint8Array(Buffer.from(handleFor(user.id), 'base64url')),
        attestationType: 'none',
        // The same authenticator twice would be one passkey under two names.
        excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
        timeout: PASSKEY_CHALLENGE_TTL_MS,
      });
      await putChallenge(binding, 'register', options.challenge, user.id, rp);
      return options;
    },

    /** Verifies the browser's answer to registrationOptions() and stores the passkey under `name`. */
    async register(userId: string, binding: string, rawName: string, response: unknown): Promise<RegistrationResult> {
      const name = rawName.normalize('NFC').trim();
      const nameErrors = passkeyNameErrors(name);
      // The challenge is spent whatever happens next: a retry starts a new ceremony.
      const challenge = await takeLive(binding, 'register');
      if (!challenge || challenge.user_id !== userId) return { ok: false, reason: 'expired', message: 'The request to add a passkey has expired. Try again.' };
      if (nameErrors.length > 0) return { ok: false, reason: 'bad_name', message: nameErrors.join(' ') };
      if (!isCredentialJson(response)) return { ok: false, reason: 'malformed', message: 'The passkey’s answer is malformed.' };
      const { verifyRegistrationResponse } = await webauthn();
      let info;
      try {
        const verified = await verifyRegistrationResponse({
          response: response as unknown as RegistrationResponseJSON,
          ...expectationsOf(challenge),
          supportedAlgorithmIDs: ALGORITHMS,
        });
        info = verified.verified ? verified.registrationInfo : undefined;
      } catch {
        info = undefined;
      }
      if (!info) return { ok: false, reason: 'invalid', message: 'The passkey could not be verified.' };
      if ((await repository.countByUser(userId)) >= MAX_PASSKEYS_PER_USER) return { ok: false, reason: 'too_many', message: `You can have at most ${MAX_PASSKEYS_PER_USER} passkeys.` };
      const at = now();
      const passkey: PasskeyRecord = {
        id: randomBytes(16).toString('base64url'),
        user_id: userId,
        credential_id: info.credential.id,
        public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: (info.credential.transports ?? []).filter((t) => TRANSPORTS.has(t)).join(','),
        user_handle: handleFor(userId),
        name,
        created_at: at,
        last_used_at: 0,
      };
      if (!(await repository.insert(passkey))) return { ok: false, reason: 'duplicate', message: 'That passkey is already registered.' };
      return { ok: true, passkey };
    },

    /**
     * Options for navigator.credentials.get(). For the second login step, the user's own passkeys;
     * for a passwordless login none are named (the authenticator offers its discoverable ones).
     */
    async authenticationOptions(rp: RelyingParty, binding: string, purpose: 'login' | 'second_factor', userId = ''): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const allow = userId === '' ? [] : await repository.listByUser(userId);
      const { generateAuthenticationOptions } = await webauthn();
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: allow.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
        userVerification: 'required',
        timeout: PASSKEY_CHALLENGE_TTL_MS,
      });
      await putChallenge(binding, purpose, options.challenge, userId, rp);
      return options;
    },

    /** Verifies an assertion against the challenge of `binding`; on success the passkey's counter and last use are recorded. */
    async authenticate(binding: string, purpose: 'login' | 'second_factor', response: unknown): Promise<AssertionResult> {
      const challenge = await takeLive(binding, purpose);
      if (!challenge) return { ok: false, reason: 'expired' };
      if (!isCredentialJson(response)) return { ok: false, reason: 'malformed' };
      const passkey = await repository.findByCredentialId(response.id);
      if (!passkey) return { ok: false, reason: 'unknown_credential' };
      if (purpose === 'second_factor' && passkey.user_id !== challenge.user_id) return { ok: false, reason: 'wrong_user', passkey };
      const userHandle = response.response['userHandle'];
      if (userHandle !== undefined && userHandle !== passkey.user_handle) return { ok: false, reason: 'invalid', passkey };
      if (purpose === 'login' && userHandle === undefined) return { ok: false, reason: 'invalid', passkey };
      const { verifyAuthenticationResponse } = await webauthn();
      let newCounter: number;
      try {
        const verified = await verifyAuthenticationResponse({
          response: response as unknown as AuthenticationResponseJSON,
          ...expectationsOf(challenge),
          credential: { id: passkey.credential_id, publicKey: new Uint8Array(Buffer.from(passkey.public_key, 'base64url')), counter: passkey.counter, transports: transportsOf(passkey) },
        });
        if (!verified.verified) return { ok: false, reason: 'invalid', passkey };
        newCounter = verified.authenticationInfo.newCounter;
      } catch (error) {
        return { ok: false, reason: isCounterError(error) ? 'counter_regression' : 'invalid', passkey };
      }
      // Compare-and-set: a concurrent assertion that already moved the counter wins alone.
      if (!(await repository.recordUse(passkey.id, passkey.counter, newCounter, now()))) return { ok: false, reason: 'counter_regression', passkey };
      if (passkey.disabled_at > 0) return { ok: false, reason: 'disabled', passkey };
      return { ok: true, passkey };
    },

    async rename(userId: string, id: string, rawName: string): Promise<{ ok: true } | { ok: false; errors: string[] } | null> {
      const name = rawName.normalize('NFC').trim();
      const errors = passkeyNameErrors(name);
      if (errors.length > 0) return (await repository.findOwned(userId, id)) ? { ok: false, errors } : null;
      return (await repository.rename(userId, id, name)) ? { ok: true } : null;
    },

    /** Removes one of the user's passkeys; false when there is no such passkey of theirs. */
    remove: (userId: string, id: string) => repository.remove(userId, id),
    removeAll: (userId: string) => repository.removeAll(userId),
    purgeExpired: () => repository.deleteExpiredChallenges(now()),
  };
}

/** What the answer must carry: the stored challenge, origin and RP ID (never the request's), and user verification. */
function expectationsOf(challenge: ChallengeRecord) {
  return { expectedChallenge: challenge.challenge, expectedOrigin: challenge.origin, expectedRPID: challenge.rp_id, requireUserVerification: true };
}

function transportsOf(passkey: PasskeyRecord): AuthenticatorTransport[] {
  return passkey.transports === '' ? [] : (passkey.transports.split(',').filter((t) => TRANSPORTS.has(t)) as AuthenticatorTransport[]);
}

export type PasskeyService = ReturnType<typeof createPasskeyService>;
