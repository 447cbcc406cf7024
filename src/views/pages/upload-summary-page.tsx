import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

/** One file of a several-file upload, as the summary shows it. */
export type UploadResultView =
  | { readonly kind: 'accepted' | 'duplicate'; readonly name: string; readonly photoId: string; readonly title: string }
  | { readonly kind: 'refused'; readonly name: string; readonly message: string };

export interface UploadSummaryPageProps {
  readonly context: ViewContext;
  readonly results: readonly UploadResultView[];
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What became of each file of a several-file upload (the form without JavaScript). */
export function UploadSummaryPage({ context, results }: UploadSummaryPageProps) {
  const accepted = results.filter((r) => r.kind === 'accepted').length;
  const duplicates = results.filter((r) => r.kind === 'duplicate').length;
  const refused = results.filter((r) => r.kind === 'refused').length;
  return (
    <Layout title="Upload summary" context={context}>
      <section class="card">
        <h1>Upload summary</h1>
        <p role="status" id="upload-summary">
          {count(accepted, 'photo uploaded', 'photos uploaded')}
          {accepted > 0 ? ' (being processed)' : ''}
          {duplicates > 0 ? `, ${count(duplicates, 'already in your library', 'already in your library')}` : ''}
          {refused > 0 ? `, ${count(refused, 'file refused', 'files refused')}` : ''}.
        </p>
        <ul class="upload-results">
          {results.map((result) => (
            <li class={`upload-result upload-${result.kind}`}>
              <span class="upload-name">{result.name || 'Unnamed file'}</span>{' '}
              {result.kind === 'refused' ? (
                <span class="field-errors">Refused: {result.message}</span>
              ) : (
                <>
                  <span>{result.kind === 'accepted' ? 'Uploaded' : 'Already in your library'}</span> — <a href={`/photos/${result.photoId}/`}>view</a>
                </>
              )}
            </li>
          ))}
        </ul>
        <p class="actions">
          <a class="button" href="/photos/">
            Go to the gallery
          </a>
          <a href="/photos/upload/">Upload more</a>
        </p>
      </section>
    </Layout>
  );
}
