import type { Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as photos from './0002-photos.js';
import * as apiTokens from './0003-api-tokens.js';
import * as shareLinks from './0004-share-links.js';
import * as galleryOrderIndex from './0005-gallery-order-index.js';
import * as photosVersion from './0006-photos-version.js';
import * as jobLeases from './0007-job-leases.js';
import * as photoFacts from './0008-photo-facts.js';
import * as passwordReset from './0010-password-reset.js';
import * as adminAndTwoFactor from './0011-admin-and-two-factor.js';
import * as uploadHash from './0012-upload-hash.js';
import * as albums from './0013-albums.js';
import * as trashAndQuotas from './0014-trash-and-quotas.js';
import * as passkeys from './0015-passkeys.js';
import * as photoSearch from './0016-photo-search.js';
import * as accountDeletionAndExport from './0020-account-deletion-and-export.js';
import * as searchAccentFolding from './0021-search-accent-folding.js';

/** Every migration, in order. Names sort lexically; never rename or edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-photos': photos,
  '0003-api-tokens': apiTokens,
  '0004-share-links': shareLinks,
  '0005-gallery-order-index': galleryOrderIndex,
  '0006-photos-version': photosVersion,
  '0007-job-leases': jobLeases,
  '0008-photo-facts': photoFacts,
  '0010-password-reset': passwordReset,
  '0011-admin-and-two-factor': adminAndTwoFactor,
  '0012-upload-hash': uploadHash,
  '0013-albums': albums,
  '0014-trash-and-quotas': trashAndQuotas,
  '0015-passkeys': passkeys,
  '0016-photo-search': photoSearch,
  '0020-account-deletion-and-export': accountDeletionAndExport,
  '0021-search-accent-folding': searchAccentFolding,
};
