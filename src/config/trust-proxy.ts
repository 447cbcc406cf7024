import type { AppConfig } from './config.js';

type TrustProxyOption = boolean | string[] | ((address: string, hop: number) => boolean);

/** TRUST_PROXY in the shape Fastify accepts: a hop count becomes proxy-addr's "trust the first N hops" function. */
export function trustProxyOption(value: AppConfig['trustProxy']): TrustProxyOption {
  if (typeof value === 'number') return (_address, hop) => hop < value;
  if (typeof value === 'boolean') return value;
  return [...value];
}
