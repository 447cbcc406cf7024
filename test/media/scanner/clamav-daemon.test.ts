import { afterAll, beforeAll, expect, it } from 'vitest';
import { ClamavScanner } from '../../../src/media/scanner/clamav-scanner.js';
import { createScanner } from '../../../src/media/scanner/create-scanner.js';
import { ScanFailedError, ScannerUnavailableError } from '../../../src/media/scanner/scanner.js';
import {
  CLAMD_SKIP_MESSAGE,
  clamdInstalled,
  PLANTED_SIGNATURE_BYTES,
  PLANTED_SIGNATURE_NAME,
  startClamd,
  TEST_STREAM_MAX_BYTES,
  type RunningClamd,
} from '../../support/clamd.js';
import { EICAR, makeImage, makeTempDir, writeFixture } from '../../support/images.js';
import { describeWith } from '../../support/requirements.js';

describeWith(clamdInstalled ? null : CLAMD_SKIP_MESSAGE, 'ClamavScanner against a real clamd', () => {
  let clamd: RunningClamd;
  let dir: string;
  let remove: () => Promise<void>;
  let overSocket: ClamavScanner;
  let overTcp: ClamavScanner;

  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir());
    clamd = await startClamd();
    overSocket = new ClamavScanner({ address: { socketPath: clamd.socketPath }, timeoutMs: 10_000 });
    overTcp = new ClamavScanner({ address: { host: clamd.host, port: clamd.port }, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await clamd?.stop();
    await remove?.();
  });

  it('answers PING over the unix socket and TCP', async () => {
    await expect(overSocket.ping()).resolves.toBeUndefined();
    await expect(overTcp.ping()).resolves.toBeUndefined();
  });

  it('finds the EICAR test file', async () => {
    const file = await writeFixture(dir, 'eicar.com', EICAR);
    for (const scanner of [overSocket, overTcp]) {
      const result = await scanner.scanFile(file);
      expect(result.clean).toBe(false);
      expect(!result.clean && result.signature).toMatch(/^Eicar-Test-Signature/);
    }
  });

  it('passes a clean image', async () => {
    const file = await writeFixture(dir, 'clean.jpg', await makeImage('jpeg', { width: 400, height: 300 }));
    expect(await overSocket.scanFile(file)).toEqual({ clean: true });
    expect(await overTcp.scanFile(file)).toEqual({ clean: true });
  });

  it('finds a body signature planted inside an image', async () => {
    const image = await makeImage('png', { width: 300, height: 200 });
    const planted = Buffer.concat([image.subarray(0, 100), Buffer.from(PLANTED_SIGNATURE_BYTES), image.subarray(100)]);
    const file = await writeFixture(dir, 'planted.png', planted);
    const result = await overTcp.scanFile(file);
    expect(result.clean).toBe(false);
    expect(!result.clean && result.signature).toMatch(new RegExp(`^${PLANTED_SIGNATURE_NAME}`));
  });

  it('fails closed when the file exceeds StreamMaxLength', async () => {
    const file = await writeFixture(dir, 'too-big.bin', Buffer.alloc(TEST_STREAM_MAX_BYTES * 3, 0x20));
    // clamd's refusal arrives as its reply or, when the reset beats the reply, as a hang-up
    // from a clamd that still answers PING: ScanFailedError either way, several times over.
    for (const scanner of [overSocket, overTcp]) {
      for (let attempt = 0; attempt < 5; attempt++) {
        await expect(scanner.scanFile(file)).rejects.toThrow(ScanFailedError);
      }
    }
    // With the limit configured, the refusal is decided before sending anything.
    const limited = new ClamavScanner({ address: { host: clamd.host, port: clamd.port }, maxStreamBytes: TEST_STREAM_MAX_BYTES });
    await expect(limited.scanFile(file)).rejects.toThrow(ScanFailedError);
    const exactlyAtLimit = await writeFixture(dir, 'at-limit.bin', Buffer.alloc(TEST_STREAM_MAX_BYTES, 0x20));
    expect(await limited.scanFile(exactlyAtLimit)).toEqual({ clean: true });
  });

  it('is what createScanner builds when a socket or host is configured', async () => {
    const file = await writeFixture(dir, 'eicar2.com', EICAR);
    for (const scanner of [createScanner({ clamavSocket: clamd.socketPath }), createScanner({ clamavHost: clamd.host, clamavPort: clamd.port })]) {
      expect(scanner.name).toBe('clamav');
      expect((await scanner.scanFile(file)).clean).toBe(false);
    }
  });

  it('throws ScannerUnavailableError once clamd is gone', async () => {
    const gone = await startClamd();
    const scanner = new ClamavScanner({ address: { socketPath: gone.socketPath }, timeoutMs: 2000 });
    await scanner.ping();
    await gone.stop();
    await expect(scanner.ping()).rejects.toBeInstanceOf(ScannerUnavailableError);
    await expect(scanner.scanFile(await writeFixture(dir, 'after.jpg', await makeImage('jpeg')))).rejects.toBeInstanceOf(
      ScannerUnavailableError,
    );
  });
});
