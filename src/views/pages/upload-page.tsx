import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface UploadPageProps {
  readonly context: ViewContext;
  readonly maxMegabytes: number;
  readonly errors: readonly string[];
}

export function UploadPage({ context, maxMegabytes, errors }: UploadPageProps) {
  return (
    <Layout title="Upload photos" context={context} scripts={['/static/upload.js']}>
      <section class="card narrow" data-drop-zone>
        <h1>Upload photos</h1>
        <FieldErrors id="upload-errors" errors={errors} />
        <form method="post" action="/photos/upload/" enctype="multipart/form-data" id="upload-form" data-max-bytes={String(maxMegabytes * 1024 * 1024)} data-parallel="3">
          {/* The CSRF field comes first: the server checks it before reading the file. */}
          <CsrfField token={context.csrfToken} />
          <label for="id_image">Photos</label>
          <input id="id_image" name="image" type="file" multiple required accept="image/jpeg,image/png,image/webp,image/gif,image/avif,image/heif" aria-describedby="image-help" />
          <p class="help" id="image-help">
            One or several files (or drop them on this page): JPEG, PNG, WebP, GIF (shown by its first frame) or AVIF, up to {maxMegabytes} MB each.
            Metadata (location included) is removed from the file; the date taken, camera and exposure are kept as details only you see.
          </p>
          <label for="id_title">Title (optional, given to each photo)</label>
          <input id="id_title" name="title" type="text" maxlength={200} />
          <label class="checkbox" for="id_keep_location">
            <input id="id_keep_location" name="keep_location" type="checkbox" value="on" aria-describedby="keep-location-help" /> Keep the location
          </label>
          <p class="help" id="keep-location-help">
            Off by default. When ticked, the GPS position is kept as a detail only you see; it is never left in the file.
          </p>
          <button type="submit">Upload</button>
        </form>
        <div id="upload-progress" class="progress" hidden>
          <p id="upload-progress-label" aria-live="polite">
            Uploading…
          </p>
          <progress id="upload-progress-bar" max={100} value={0} />
        </div>
      </section>
    </Layout>
  );
}
