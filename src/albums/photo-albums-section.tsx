import type { FastifyReply } from 'fastify';
import type { JSX } from 'preact';
import type { PhotoRecord } from '../photos/photo-repository.js';
import { PhotoAlbumsSection } from '../views/components/photo-albums-section.js';
import type { AlbumService } from './album-service.js';

/** The albums section of the owner's photo page (the caller has checked ownership). */
export async function renderPhotoAlbumsSection(albums: AlbumService, reply: FastifyReply, photo: PhotoRecord): Promise<JSX.Element> {
  const memberOf = await albums.listContaining(photo.owner_id, photo.id);
  const all = await albums.listNames(photo.owner_id);
  return <PhotoAlbumsSection csrfToken={reply.csrfToken()} photoId={photo.id} memberOf={memberOf} albums={all} />;
}
