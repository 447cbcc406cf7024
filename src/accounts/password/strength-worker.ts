/**
 * The password-strength thread (see strength-check.ts): it runs zxcvbn on the passwords it is sent
 * and answers each with the failure message, or null for a strong password.
 */
import { answerThreadRequests } from '../../threads/on-demand-thread.js';
import type { PasswordUserAttributes } from './policy.js';
import { validatePasswordStrength } from './strength-validator.js';

export interface StrengthRequest {
  readonly password: string;
  readonly user: PasswordUserAttributes;
}

answerThreadRequests<StrengthRequest, string | null>((request) => validatePasswordStrength(request.password, request.user));
