import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat, chmod } from 'node:fs/promises';
import path from 'node:path';

const KEY_FILE = 'secret_key';

/**
 * Returns SECRET_KEY when configured; otherwise the key kept in DATA_DIR/secret_key,
 * created on first start with 256 random bits and mode 0600. Never a built-in default.
 */
export async function resolveSecretKey(dataDir: string, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, KEY_FILE);
  try {
    // 'wx' fails if the file exists, so two processes starting together cannot overwrite each other's key.
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(randomBytes(32).toString('base64url'));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const info = await stat(file);
  if ((info.mode & 0o077) !== 0) await chmod(file, 0o600);
  const key = (await readFile(file, 'utf8')).trim();
  if (key.length < 32) throw new Error(`The secret key in ${file} is shorter than 32 characters; remove it to generate a new one`);
  return key;
}
