import { AppError } from '../../errors/catalog.js';

/** The JSON body of a ceremony's verify call: `{ response, name?, next? }`, each a bounded value. */
export function readCeremonyBody(body: unknown): { response: unknown; name: string; next: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('bad_request', { detail: 'Expected a JSON object.' });
  const { response, name = '', next = '' } = body as Record<string, unknown>;
  if (typeof response !== 'object' || response === null) throw new AppError('validation_failed', { detail: 'response: the passkey’s answer is missing.' });
  if (typeof name !== 'string' || name.length > 1000) throw new AppError('validation_failed', { detail: 'name: must be a short text.' });
  if (typeof next !== 'string' || next.length > 2000) throw new AppError('validation_failed', { detail: 'next: must be a path.' });
  return { response, name, next };
}
