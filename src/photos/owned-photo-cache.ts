import type { PhotoRecord } from './photo-repository.js';

/** Who asks for a photo: the user's id and their photos version as read with the session. */
export interface PhotoOwner {
  readonly id: string;
  /** users.photos_version on this request (see migration 0006); absent, nothing is reused. */
  readonly photosVersion?: number;
}

const DEFAULT_MAX_ENTRIES = 4096;

/**
 * Photo records as read for their owner, each under the owner's photos version at the time. Any
 * insert, update or delete of the owner's photos bumps that version (a database trigger), so a
 * record found under the version this request read is exactly what the database would return: a
 * thumbnail request then costs no photo query. A different version simply misses. Entries are keyed
 * by owner and photo, so a record is only ever returned to the user it was read for; least recently
 * used entries go first.
 */
export class OwnedPhotoCache {
  private readonly entries = new Map<string, { readonly version: number; readonly photo: PhotoRecord }>();

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  get(owner: PhotoOwner, id: string): PhotoRecord | undefined {
    if (owner.photosVersion === undefined) return undefined;
    const key = `${owner.id}/${id}`;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.version !== owner.photosVersion) return undefined;
    this.entries.set(key, entry);
    return entry.photo;
  }

  set(owner: PhotoOwner, photo: PhotoRecord): void {
    if (owner.photosVersion === undefined || photo.owner_id !== owner.id) return;
    const key = `${owner.id}/${photo.id}`;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { version: owner.photosVersion, photo: Object.freeze(photo) });
  }

  /** Forgets a photo after this process changed it (the caller's version predates the change). */
  evict(ownerId: string, id: string): void {
    this.entries.delete(`${ownerId}/${id}`);
  }
}
