import { credentialCookie } from '../sessions/session-cookie.js';
import { CHALLENGE_TTL_MS } from './two-factor-service.js';

// The pending second login step is bound to the browser that passed the password step by this
// cookie; it grants nothing but the code form.
const cookie = credentialCookie('pv_2fa');

export const readChallengeCookie = cookie.read;
export const setChallengeCookie = (reply: Parameters<typeof cookie.set>[0], token: string) => cookie.set(reply, token, CHALLENGE_TTL_MS / 1000);
export const clearChallengeCookie = cookie.clear;
