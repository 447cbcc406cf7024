import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const CLAMD_BINARY = '/usr/sbin/clamd';

/** Tests that need a real clamd skip only when the binary is missing (CI installs clamav-daemon). */
export const clamdInstalled = existsSync(CLAMD_BINARY);

export const CLAMD_SKIP_MESSAGE = `${CLAMD_BINARY} not found: install clamav-daemon (apt-get install -y clamav-daemon) to run the ClamAV tests`;

/** Bytes that the test signature database's body pattern (ndb) matches anywhere in a file. */
export const PLANTED_SIGNATURE_BYTES = 'PV-PLANTED-SIGNATURE-5d21e8';
export const PLANTED_SIGNATURE_NAME = 'Photovault-Test-Planted';
// clamd's stream limit in the test config, small so the limit is cheap to exceed.
export const TEST_STREAM_MAX_BYTES = 1024 * 1024;

export interface RunningClamd {
  socketPath: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a private clamd in the foreground with a signature database written here (no freshclam,
 * no network), listening on a unix socket and a free 127.0.0.1 port; resolves once it answers PONG.
 */
export async function startClamd(options: { port?: number } = {}): Promise<RunningClamd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pv-clamd-'));
  const databaseDir = path.join(dir, 'db');
  await mkdir(databaseDir);
  // hdb: md5:size:name of the exact 68-byte EICAR file; ndb: name:target:offset:hex body pattern.
  await writeFile(path.join(databaseDir, 'test.hdb'), '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n');
  await writeFile(
    path.join(databaseDir, 'test.ndb'),
    `${PLANTED_SIGNATURE_NAME}:0:*:${Buffer.from(PLANTED_SIGNATURE_BYTES, 'latin1').toString('hex')}\n`,
  );

  const socketPath = path.join(dir, 'clamd.sock');
  const host = '127.0.0.1';
  const port = options.port ?? (await findFreePort());
  const config = [
    'Foreground yes',
    `LocalSocket ${socketPath}`,
    `TCPSocket ${port}`,
    `TCPAddr ${host}`,
    `DatabaseDirectory ${databaseDir}`,
    `PidFile ${path.join(dir, 'clamd.pid')}`,
    `StreamMaxLength ${TEST_STREAM_MAX_BYTES}`,
    'LogVerbose no',
    // clamd drops to `User` when started as root; as anyone else it must not be set.
    ...(process.getuid?.() === 0 ? ['User root'] : []),
  ].join('\n');
  const configFile = path.join(dir, 'clamd.conf');
  await writeFile(configFile, `${config}\n`);

  const child = spawn(CLAMD_BINARY, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (data: Buffer): void => {
    output = (output + data.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  // If the test process ends without calling stop(), take clamd down with it.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitForPong(socketPath, child, 20_000);
  } catch (error) {
    await stop();
    throw new Error(`clamd did not start: ${(error as Error).message}\n${output}`);
  }
  return { socketPath, host, port, stop };
}

async function waitForPong(socketPath: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`clamd exited with code ${child.exitCode}`);
    if ((await rawPing(socketPath)) === 'PONG') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no PONG within ${timeoutMs} ms`);
}

// Deliberately independent of the adapter under test.
function rawPing(socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path: socketPath });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('zPING\0'));
    socket.on('data', (data) => {
      reply += data.toString('latin1');
      if (reply.includes('\0')) socket.end();
    });
    socket.on('error', () => resolve(''));
    socket.on('close', () => resolve(reply.replace(/\0/g, '')));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A 127.0.0.1 port that was free a moment ago. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
