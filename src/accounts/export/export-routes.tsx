import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { partyOf, type AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors/catalog.js';
import { AccountExportPage } from '../../views/pages/account-export-page.js';
import { redirectWithNotice } from '../../web/notices.js';
import { sendPage, viewContextFor } from '../../web/pages.js';
import { requireUser } from '../routes.js';
import { exportFileName, type ExportService } from './export-service.js';

export interface ExportRoutesDeps {
  readonly exports: ExportService;
  readonly audit: AuditLog;
  readonly retentionHours: number;
}

/**
 * Sends one of the user's export zips: attachment, never cached (the default of private routes),
 * our own file name. An expired one is 404 with its reason, like one that never existed for others.
 */
export async function sendExport(deps: ExportRoutesDeps, request: FastifyRequest, reply: FastifyReply, exportId: string) {
  const user = requireUser(request);
  const opened = await deps.exports.open(user.id, exportId);
  if (!opened.ok) throw new AppError('not_found', opened.reason === 'expired' ? { detail: 'This export has expired. Request a new one.' } : {});
  request.log.info({ event: 'export_downloaded', export_id: exportId }, 'export downloaded');
  await deps.audit.record({ event: 'account_export_downloaded', actor: partyOf(user), target: partyOf(user), request, detail: exportId });
  return reply
    .type('application/zip')
    .header('content-length', String(opened.size))
    .header('content-disposition', `attachment; filename="${exportFileName(opened.createdAt)}"`)
    .header('content-security-policy', "default-src 'none'; sandbox")
    .send(opened.stream);
}

/** `/accounts/export/`: private, CSRF-checked, never cached. */
export async function exportRoutes(app: FastifyInstance, deps: ExportRoutesDeps): Promise<void> {
  app.get('/accounts/export/', async (request, reply) => {
    const latest = await deps.exports.latest(requireUser(request).id);
    return sendPage(reply, <AccountExportPage context={viewContextFor(request, reply)} latest={latest} retentionHours={deps.retentionHours} />);
  });

  app.post('/accounts/export/', async (request, reply) => {
    const user = requireUser(request);
    const result = await deps.exports.request(user.id);
    if (!result.ok) return redirectWithNotice(reply, '/accounts/export/', 'export_running');
    request.log.info({ event: 'export_requested', export_id: result.export.id }, 'export requested');
    await deps.audit.record({ event: 'account_export_requested', actor: partyOf(user), target: partyOf(user), request, detail: result.export.id });
    return redirectWithNotice(reply, '/accounts/export/', 'export_queued');
  });

  app.get<{ Params: { id: string } }>('/accounts/export/:id/download/', async (request, reply) => sendExport(deps, request, reply, request.params.id));
}
