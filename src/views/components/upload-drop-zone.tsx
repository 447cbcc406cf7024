import { CsrfField } from './csrf-field.js';

/**
 * The gallery's own upload form: choose or drop several photos and they go up at once, each with
 * its progress (public/upload.js), then the gallery reloads. Without JavaScript it is an ordinary
 * form whose button posts the chosen files and answers with an upload summary.
 */
export function UploadDropZone({ csrfToken, maxBytes }: { readonly csrfToken: string; readonly maxBytes: number }) {
  return (
    <form method="post" action="/photos/upload/" enctype="multipart/form-data" id="upload-form" class="drop-zone" data-max-bytes={String(maxBytes)} data-parallel="3" data-auto-submit="true" data-reload-when-done="true">
      <CsrfField token={csrfToken} />
      <label for="id_image">Add photos: choose files or drop them on this page</label>
      <input id="id_image" name="image" type="file" multiple required accept="image/jpeg,image/png,image/webp,image/gif,image/avif,image/heif" />
      <button type="submit">Upload</button>
    </form>
  );
}
