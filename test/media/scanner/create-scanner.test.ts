import { describe, expect, it } from 'vitest';
import { BuiltinScanner } from '../../../src/media/scanner/builtin-scanner.js';
import { ClamavScanner } from '../../../src/media/scanner/clamav-scanner.js';
import { createScanner } from '../../../src/media/scanner/create-scanner.js';

describe('createScanner', () => {
  it('uses the built-in scanner when ClamAV is not configured', () => {
    expect(createScanner()).toBeInstanceOf(BuiltinScanner);
    expect(createScanner({ timeoutMs: 1000 })).toBeInstanceOf(BuiltinScanner);
  });

  it('uses ClamAV for a socket path or a host', () => {
    expect(createScanner({ clamavSocket: '/run/clamav/clamd.ctl' })).toBeInstanceOf(ClamavScanner);
    expect(createScanner({ clamavHost: 'clamav', clamavPort: 3310 })).toBeInstanceOf(ClamavScanner);
    expect(createScanner({ clamavHost: 'clamav' }).name).toBe('clamav');
  });

  it('refuses a half or ambiguous ClamAV configuration instead of falling back silently', () => {
    expect(() => createScanner({ clamavPort: 3310 })).toThrow(/port was given without a ClamAV host/);
    expect(() => createScanner({ clamavSocket: '/run/clamd.ctl', clamavHost: 'clamav' })).toThrow(/not both/);
  });
});
