import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findFreePort } from '../support/clamd.js';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The server's log (for failure messages). */
  log(): Promise<string>;
  /** Stops immediately and deletes the cluster. */
  destroy(): Promise<void>;
}

/** The newest installed server's bin directory; throws (never skips) when there is none. */
export function postgresBinDir(): string {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = path.join(PG_ROOT, version, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) not found under ${PG_ROOT}/<version>/bin: install them (apt-get install -y postgresql) to run this test`);
}

/**
 * A throwaway PostgreSQL cluster of this test's own, on a free loopback port, so it can be stopped
 * and started without touching the machine's shared server. initdb refuses to run as root, so as
 * root the binaries run as the `postgres` user, in a directory it owns.
 */
export async function startPrivatePostgres(database: string): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pv-pg-'));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  const logFile = path.join(dir, 'server.log');
  await mkdir(socketDir);
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(dir, uid, gid);
    await chown(socketDir, uid, gid);
  }
  const pgRun = (tool: string, args: readonly string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { timeout: 60_000 }) : run(path.join(bin, tool), [...args], { timeout: 60_000 });
  const port = await findFreePort();
  const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
  const pgCtl = (...args: string[]) => pgRun('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', ...args]);

  await pgRun('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const cluster: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => void (await pgCtl('-o', serverOptions, 'start')),
    stop: async () => void (await pgCtl('-m', 'fast', 'stop')),
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    destroy: async () => {
      await pgRun('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    const log = await cluster.log();
    await cluster.destroy();
    throw new Error(`could not start a private PostgreSQL cluster: ${String(error)}\n${log.slice(-2000)}`);
  }
  return cluster;
}
