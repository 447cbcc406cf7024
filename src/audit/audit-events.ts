/** Every security event the audit log records; the admin page filters by these names. */
export const AUDIT_EVENTS = [
  'login_succeeded',
  'login_failed',
  'login_throttled',
  'login_locked_out',
  'login_refused_disabled',
  'logout',
  'logout_everywhere',
  'two_factor_challenged',
  'two_factor_failed',
  'two_factor_throttled',
  'two_factor_enabled',
  'two_factor_disabled',
  'recovery_code_used',
  'password_changed',
  'password_reset',
  'admin_promoted',
  'admin_demoted',
  'user_disabled',
  'user_enabled',
  'sessions_ended',
  'two_factor_reset',
  'storage_quota_changed',
  'photo_released',
  'photo_removed',
] as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export function isAuditEvent(value: string): value is AuditEvent {
  return (AUDIT_EVENTS as readonly string[]).includes(value);
}
