/** The largest embedded colour profile kept; real ones are 0.5-60 KB (a few 3D-LUT profiles reach ~500 KB). */
export const MAX_ICC_BYTES = 1024 * 1024;
const HEADER_BYTES = 128;
const MAX_TAGS = 256;

/**
 * Whether `profile` is structurally an ICC profile (ICC.1:2022 7.2 and 7.3): the 'acsp' signature,
 * a declared size equal to its length, and a tag table whose entries all lie inside it. A profile
 * failing this is dropped (viewers ignore a broken profile too), so the kept bytes are only ever a
 * well-formed profile and never an arbitrary blob riding in the APP2/iCCP slot.
 */
export function isWellFormedIccProfile(profile: Buffer): boolean {
  if (profile.length < HEADER_BYTES + 4 || profile.length > MAX_ICC_BYTES) return false;
  if (profile.readUInt32BE(0) !== profile.length) return false;
  if (profile.toString('latin1', 36, 40) !== 'acsp') return false;
  const tags = profile.readUInt32BE(HEADER_BYTES);
  if (tags > MAX_TAGS || HEADER_BYTES + 4 + tags * 12 > profile.length) return false;
  for (let i = 0; i < tags; i++) {
    const entry = HEADER_BYTES + 4 + i * 12;
    const offset = profile.readUInt32BE(entry + 4);
    const size = profile.readUInt32BE(entry + 8);
    if (offset < HEADER_BYTES + 4 + tags * 12 || offset + size > profile.length) return false;
  }
  return true;
}
