import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3StorageOptions } from '../../src/media/storage/s3-storage.js';

// s3rver (npm, dev dependency) is a real S3-protocol server: SigV4 and presigned URLs checked,
// multipart uploads, ranges. It runs in a process of its own, like a real server, and with
// OpenSSL's legacy provider: its ListObjectsV2 continuation tokens use DES, which Node's OpenSSL 3
// refuses otherwise (every listing longer than a page would fail with InternalError).
// It exits when its standard input closes, so it never outlives the test process.
const SERVER_SCRIPT = `
const S3rver = require('s3rver');
const [directory, bucket] = process.argv.slice(1);
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
server.run().then((address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'), (error) => {
  process.stderr.write(String(error && error.stack || error));
  process.exit(1);
});
process.stdin.on('end', () => process.exit(0)).resume();
`;
const START_TIMEOUT_MS = 15_000;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

// s3rver's only account.
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
// s3rver's continuation tokens name us-east-1.
const REGION = 'us-east-1';

export interface S3TestServer {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  /** A bucket made at start. */
  readonly bucket: string;
  /** A client on the server, for arranging and inspecting objects directly. */
  readonly client: S3Client;
  /** The app's environment for `bucket` (or another one) on this server. */
  env(bucket?: string, extra?: Record<string, string>): Record<string, string>;
  /** S3Storage options for `bucket` on this server. */
  storageOptions(overrides?: Partial<S3StorageOptions>): S3StorageOptions;
  /** Makes a fresh, empty bucket and returns its name. */
  createBucket(): Promise<string>;
  /** Every object key in a bucket (whatever its prefix). */
  listObjects(bucket?: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts s3rver on a free 127.0.0.1 port over a temporary directory; a failure is an error, never a skip. */
export async function startS3Server(): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'photovault-s3-'));
  const bucket = newBucketName();
  let child: ChildProcess;
  let port: number;
  try {
    child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', SERVER_SCRIPT, directory, bucket], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    port = await readPort(child);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`The S3 tests need s3rver (a dev dependency: run npm ci) on 127.0.0.1; it failed to start: ${why}`);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  return {
    endpoint,
    bucket,
    client,
    env: (name = bucket, extra = {}) => ({
      S3_BUCKET: name,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      ...extra,
    }),
    storageOptions: (overrides = {}) => ({
      bucket,
      prefix: '',
      region: REGION,
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      timeoutMs: 10_000,
      ...overrides,
    }),
    async createBucket() {
      const name = newBucketName();
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async listObjects(name = bucket) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async stop() {
      client.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      if (child.exitCode === null) await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Waits for the server's `{"port":N}` line; its stderr becomes the error if it exits first. */
function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`no answer within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || line === undefined) return;
      clearTimeout(timer);
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === 'number') resolve(port);
      else reject(new Error(`unexpected output ${JSON.stringify(line)}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with code ${String(code)}: ${err.trim().slice(0, 2000)}`));
    });
  });
}

function newBucketName(): string {
  return `pv-test-${randomBytes(5).toString('hex')}`;
}
