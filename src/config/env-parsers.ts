/** Thrown for a bad configuration value; its message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface EnvReader {
  string(name: string, fallback: string): string;
  integer(name: string, fallback: number, range: { min: number; max: number }): number;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  list(name: string, fallback: readonly string[]): readonly string[];
  optionalSecret(name: string, minLength: number): string | undefined;
  optionalString(name: string): string | undefined;
  optionalInteger(name: string, range: { min: number; max: number }): number | undefined;
  number(name: string, fallback: number, range: { min: number; max: number }): number;
  boolean(name: string, fallback: boolean): boolean;
  fail(name: string, problem: string): ConfigError;
}

/** Runs `build` with a reader over `env` and deep-freezes what it returns. */
export function parseEnv<T extends object>(env: Readonly<Record<string, string | undefined>>, build: (read: EnvReader) => T): T {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const reader: EnvReader = {
    string: (name, fallback) => get(name) ?? fallback,
    integer(name, fallback, { min, max }) {
      const raw = get(name);
      if (raw === undefined) return fallback;
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(raw)}`);
      const value = Number(raw.trim());
      if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
      return value;
    },
    oneOf(name, allowed, fallback) {
      const raw = get(name);
      if (raw === undefined) return fallback;
      const found = allowed.find((a) => a === raw.trim().toLowerCase());
      if (!found) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
      return found;
    },
    list(name, fallback) {
      const raw = get(name);
      if (raw === undefined) return fallback;
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    },
    optionalSecret(name, minLength) {
      const raw = get(name);
      if (raw === undefined) return undefined;
      if (raw.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters long`);
      return raw;
    },
    optionalString: (name) => get(name),
    optionalInteger(name, range) {
      return get(name) === undefined ? undefined : reader.integer(name, 0, range);
    },
    number(name, fallback, { min, max }) {
      const raw = get(name);
      if (raw === undefined) return fallback;
      const value = Number(raw.trim());
      if (!/^\d+$|^\d+\.\d+$/.test(raw.trim()) || !Number.isFinite(value)) throw new ConfigError(name, `must be a number, got ${JSON.stringify(raw)}`);
      if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
      return value;
    },
    boolean(name, fallback) {
      const raw = get(name)?.trim().toLowerCase();
      if (raw === undefined) return fallback;
      if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
      if (['0', 'false', 'no', 'off'].includes(raw)) return false;
      throw new ConfigError(name, `must be true or false, got ${JSON.stringify(raw)}`);
    },
    fail: (name, problem) => new ConfigError(name, problem),
  };
  return deepFreeze(build(reader));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export interface UrlVariableOptions {
  /** The schemes accepted, with their colon (`'redis:'`). */
  readonly protocols: readonly string[];
  /** A URL of the expected form, shown in the message. */
  readonly example: string;
}

/**
 * An optional URL variable, trimmed: undefined when unset; otherwise its text and the parsed URL,
 * which has one of `protocols` and a host. A bad value fails naming the variable and never echoing
 * the value (it may hold a password).
 */
export function readUrl(read: EnvReader, name: string, { protocols, example }: UrlVariableOptions): { readonly raw: string; readonly url: URL } | undefined {
  const raw = read.optionalString(name)?.trim();
  if (raw === undefined) return undefined;
  const url = URL.parse(raw);
  if (url === null || !protocols.includes(url.protocol) || url.hostname === '') {
    throw read.fail(name, `must be a ${protocols.map((protocol) => `${protocol}//`).join(' or ')} URL such as ${example}`);
  }
  return { raw, url };
}
