import { Type } from 'typebox';

/** A moment as an RFC 3339 UTC date-time string. */
export const Timestamp = Type.String({ format: 'date-time' });

/** Epoch milliseconds (how the database keeps times) to the API's RFC 3339 form. */
export function toTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** Path parameters of an operation on one resource with a random 128-bit base64url id. */
export const ResourceIdParams = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: 'The resource id.' }) },
  { additionalProperties: false },
);
