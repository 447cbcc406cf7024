import type { MalwareScanner } from '../../media/scanner/scanner.js';
import { PhotoRejectedError } from './rejection.js';

/**
 * Scans the stored upload; an infected file becomes a 'malware' rejection. ScannerUnavailableError
 * and ScanFailedError pass through so the caller keeps the photo unpublished (fail closed).
 */
export async function scanUpload(scanner: MalwareScanner, filePath: string): Promise<void> {
  const result = await scanner.scanFile(filePath);
  if (!result.clean) {
    throw new PhotoRejectedError('malware', { logDetail: `${scanner.name} found ${result.signature}` });
  }
}
