/** Limits of the owner-editable texts of a photo. */
export const PHOTO_TEXT_LIMITS = { title: 200, alt_text: 500, caption: 1000 } as const;

export type PhotoTextField = keyof typeof PHOTO_TEXT_LIMITS;

/** Owner-typed (or model-written) text, as stored: NFC, no control characters, bounded, trimmed. */
export function cleanPhotoText(value: string, field: PhotoTextField): string {
  return [...value.normalize('NFC').replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu, ' ')]
    .slice(0, PHOTO_TEXT_LIMITS[field])
    .join('')
    .trim();
}
