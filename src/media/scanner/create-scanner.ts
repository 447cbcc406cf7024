import { BuiltinScanner } from './builtin-scanner.js';
import { ClamavScanner } from './clamav-scanner.js';
import type { MalwareScanner } from './scanner.js';

export interface CreateScannerOptions {
  clamavHost?: string;
  clamavPort?: number;
  clamavSocket?: string;
  /** clamd's StreamMaxLength, so bigger files fail fast and clearly (see ClamavScannerOptions). */
  clamavMaxStreamBytes?: number;
  timeoutMs?: number;
}

const CLAMD_DEFAULT_PORT = 3310;

/** ClamAV when a clamd address is configured, else the built-in marker scanner. */
export function createScanner(options: CreateScannerOptions = {}): MalwareScanner {
  const { clamavHost, clamavPort, clamavSocket, clamavMaxStreamBytes: maxStreamBytes, timeoutMs } = options;
  // A half-configured ClamAV must stop start-up, not silently downgrade to the weaker scanner.
  if (clamavSocket && clamavHost) throw new Error('Configure ClamAV with either a socket path or a host, not both.');
  if (clamavPort !== undefined && !clamavHost) throw new Error('A ClamAV port was given without a ClamAV host.');
  if (clamavSocket) return new ClamavScanner({ address: { socketPath: clamavSocket }, timeoutMs, maxStreamBytes });
  if (clamavHost) {
    return new ClamavScanner({ address: { host: clamavHost, port: clamavPort ?? CLAMD_DEFAULT_PORT }, timeoutMs, maxStreamBytes });
  }
  return new BuiltinScanner();
}
