import { readFile } from 'node:fs/promises';

/** One installed package instance from package-lock.json. */
export interface LockedPackage {
  readonly name: string;
  readonly version: string;
  /** Where npm installs it, e.g. node_modules/a/node_modules/b. */
  readonly location: string;
  readonly dev: boolean;
  readonly license: string | null;
}

interface LockEntry {
  name?: string;
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
  license?: string;
  dependencies?: Record<string, LockEntry>;
}

interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
  dependencies?: Record<string, LockEntry>;
}

/** Every package the lockfile installs, transitive ones included (lockfile v1, v2 and v3). */
export async function readLockfile(file: string): Promise<LockedPackage[]> {
  const lock = JSON.parse(await readFile(file, 'utf8')) as Lockfile;
  if (lock.packages) return fromPackages(lock.packages);
  if (lock.dependencies) return fromDependencies(lock.dependencies, 'node_modules');
  throw new Error(`${file}: neither "packages" nor "dependencies": not an npm lockfile`);
}

function fromPackages(packages: Record<string, LockEntry>): LockedPackage[] {
  const out: LockedPackage[] = [];
  for (const [location, entry] of Object.entries(packages)) {
    // "" is the project itself; links point at workspace folders listed under their own key.
    if (location === '' || entry.link || !location.includes('node_modules/')) continue;
    if (!entry.version) continue;
    const name = entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    out.push({ name, version: entry.version, location, dev: entry.dev === true || entry.devOptional === true, license: entry.license ?? null });
  }
  return out;
}

function fromDependencies(dependencies: Record<string, LockEntry>, prefix: string): LockedPackage[] {
  const out: LockedPackage[] = [];
  for (const [name, entry] of Object.entries(dependencies)) {
    const location = `${prefix}/${name}`;
    if (entry.version) out.push({ name, version: entry.version, location, dev: entry.dev === true, license: null });
    if (entry.dependencies) out.push(...fromDependencies(entry.dependencies, `${location}/node_modules`));
  }
  return out;
}
