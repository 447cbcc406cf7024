export type ScanResult = { clean: true } | { clean: false; signature: string };

/** Scans stored uploads for malware; implementations fail closed by throwing, never by answering clean. */
export interface MalwareScanner {
  readonly name: string;
  /** Scans one file, streaming it; throws ScannerUnavailableError or ScanFailedError when it cannot tell. */
  scanFile(path: string): Promise<ScanResult>;
  /** Resolves when the scanner answers; throws ScannerUnavailableError otherwise. */
  ping(): Promise<void>;
}

/**
 * The scanner could not be reached or did not answer in time. Fail closed: keep the photo
 * unpublished ("pending scan") and retry later.
 */
export class ScannerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScannerUnavailableError';
  }
}

/**
 * The scanner answered but could not scan this file (for example ClamAV's stream size limit).
 * Retrying the same file will not help; it must still never be published unscanned.
 */
export class ScanFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScanFailedError';
  }
}
