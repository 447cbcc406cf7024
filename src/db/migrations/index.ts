import type { Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as photos from './0002-photos.js';
import * as apiTokens from './0003-api-tokens.js';
import * as shareLinks from './0004-share-links.js';
import * as galleryOrderIndex from './0005-gallery-order-index.js';
import * as photosVersion from './0006-photos-version.js';
import * as jobLeases from './0007-job-leases.js';
import * as albums from './0009-albums.js';

/** Every migration, in order. Names sort lexically; never rename or edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-photos': photos,
  '0003-api-tokens': apiTokens,
  '0004-share-links': shareLinks,
  '0005-gallery-order-index': galleryOrderIndex,
  '0006-photos-version': photosVersion,
  '0007-job-leases': jobLeases,
  '0009-albums': albums,
};
