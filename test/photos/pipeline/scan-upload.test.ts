import { describe, expect, it } from 'vitest';
import type { MalwareScanner, ScanResult } from '../../../src/media/scanner/scanner.js';
import { ScannerUnavailableError } from '../../../src/media/scanner/scanner.js';
import { PhotoRejectedError } from '../../../src/photos/pipeline/rejection.js';
import { scanUpload } from '../../../src/photos/pipeline/scan-upload.js';

function scannerAnswering(answer: () => Promise<ScanResult>): MalwareScanner {
  return { name: 'stub', scanFile: answer, ping: async () => undefined };
}

describe('scanUpload', () => {
  it('resolves for a clean file', async () => {
    await expect(scanUpload(scannerAnswering(async () => ({ clean: true })), '/any')).resolves.toBeUndefined();
  });

  it('rejects an infected file as malware without showing the signature to the user', async () => {
    const error = await scanUpload(scannerAnswering(async () => ({ clean: false, signature: 'Win.Test.EICAR_HDB-1' })), '/any').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PhotoRejectedError);
    expect(error).toMatchObject({ reason: 'malware', logDetail: 'stub found Win.Test.EICAR_HDB-1' });
    expect((error as PhotoRejectedError).userMessage).not.toContain('EICAR');
  });

  it('lets an unavailable scanner surface, so the photo stays pending (fail closed)', async () => {
    const down = scannerAnswering(async () => {
      throw new ScannerUnavailableError('down');
    });
    await expect(scanUpload(down, '/any')).rejects.toBeInstanceOf(ScannerUnavailableError);
  });
});
