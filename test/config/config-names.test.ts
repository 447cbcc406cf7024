import { describe, expect, it } from 'vitest';
import { CONFIG_ENV_NAMES, loadConfig } from '../../src/config/config.js';

/** The names loadConfig reads from `env` (a proxy that records each lookup). */
function namesRead(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name) as unknown;
    },
  });
  loadConfig(recording);
  return read;
}

describe('CONFIG_ENV_NAMES', () => {
  // Some variables are read only when another is set (S3's when S3_BUCKET is, mail's with SMTP_URL…).
  const shapes: Record<string, string>[] = [
    {},
    { S3_BUCKET: 'photos' },
    { REDIS_URL: 'redis://127.0.0.1:6379/0', SECRET_KEY: 'k'.repeat(40) },
    { SMTP_URL: 'smtp://127.0.0.1:25', MAIL_FROM: 'photos@example.com', PUBLIC_URL: 'https://photos.example.com' },
  ];
  const read = new Set(shapes.flatMap((env) => [...namesRead(env)]));

  it('lists every variable loadConfig reads', () => {
    expect([...read].filter((name) => !CONFIG_ENV_NAMES.includes(name)).sort()).toEqual([]);
  });

  it('lists nothing loadConfig does not read', () => {
    expect(CONFIG_ENV_NAMES.filter((name) => !read.has(name))).toEqual([]);
  });

  it('has no duplicates and only upper-case names', () => {
    expect(new Set(CONFIG_ENV_NAMES).size).toBe(CONFIG_ENV_NAMES.length);
    for (const name of CONFIG_ENV_NAMES) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});
