import type { ExportView } from '../../accounts/export/export-service.js';
import { BackToAccount } from '../components/back-to-account.js';
import { CsrfField } from '../components/csrf-field.js';
import { formatTime } from '../format-time.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface AccountExportPageProps {
  readonly context: ViewContext;
  readonly latest: ExportView | null;
  readonly retentionHours: number;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

function ExportStatus({ latest }: { latest: ExportView }) {
  const requested = `Requested ${formatTime(latest.createdAt)}.`;
  switch (latest.status) {
    case 'queued':
      return <p data-export-status="queued">{requested} Queued: it will start shortly. Reload this page to see its progress.</p>;
    case 'building':
      return <p data-export-status="building">{requested} Building the zip now. Reload this page in a moment.</p>;
    case 'failed':
      return <p data-export-status="failed">{requested} The export could not be built. Request a new one below.</p>;
    case 'expired':
      return <p data-export-status="expired">Your last export has expired. Request a new one below.</p>;
    case 'ready':
      return (
        <>
          <p data-export-status="ready">
            Ready: {latest.photoCount} {latest.photoCount === 1 ? 'photo' : 'photos'}, {formatSize(latest.bytes)}. The link works until {formatTime(latest.expiresAt ?? 0)}.
          </p>
          <p>
            <a class="button" href={`/accounts/export/${latest.id}/download/`} download>
              Download the zip
            </a>
          </p>
        </>
      );
  }
}

/** `/accounts/export/`: the latest export's state, its download link, and the form to request one. */
export function AccountExportPage({ context, latest, retentionHours }: AccountExportPageProps) {
  const running = latest?.status === 'queued' || latest?.status === 'building';
  return (
    <Layout title="Export your data" context={context}>
      <section class="card narrow">
        <h1>Export your data</h1>
        <p>
          A zip with the original of every photo, exactly as stored (location removed unless you kept it), and <code>photovault.json</code>: your titles, captions, alt
          text, dates, camera facts, albums and share links (without their secret addresses). Only you can download it, for {retentionHours} hours.
        </p>
        {latest ? <ExportStatus latest={latest} /> : <p data-export-status="none">You have no export yet.</p>}
        <form method="post" action="/accounts/export/">
          <CsrfField token={context.csrfToken} />
          <button type="submit" disabled={running}>
            {latest ? 'Request a new export' : 'Request an export'}
          </button>
        </form>
        <BackToAccount />
      </section>
    </Layout>
  );
}
