import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AUDIT_EVENTS, isAuditEvent } from '../audit/audit-events.js';
import { partyOf, type AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors/catalog.js';
import { isMediaVariant, mediaType } from '../photos/media-variants.js';
import { parsePhotoId } from '../photos/photo-id.js';
import { parsePage } from '../photos/routes.js';
import { AdminHomePage, AuditPage, ModerationPage, UsersPage } from '../views/pages/admin-pages.js';
import { readForm, readQueryParam } from '../web/forms.js';
import { sendPage, viewContextFor } from '../web/pages.js';
import { requestHook } from '../web/hooks.js';
import { MAX_REASON_LENGTH, type ModerationService } from './moderation-service.js';
import { hasSecondFactor, type AdminOutcome, type AdminActor, type UserAdminService } from './user-admin-service.js';
import { MAX_QUOTA_MB, MEBIBYTE } from '../quotas/quota-service.js';

export interface AdminRoutesDeps {
  readonly users: UserAdminService;
  readonly moderation: ModerationService;
  readonly audit: AuditLog;
}

const PAGE_SIZE = 50;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
// Held photos are only ever shown as renditions we re-encoded ourselves; the original never.
const REVIEW_VARIANTS = new Set(['thumb.jpg', 'display.jpg']);

/**
 * `/admin/`: 404 for everyone but admins (nobody learns it exists), and an admin without
 * two-factor login is sent to set it up first (issue 16: admins must have it). Every route here is
 * "public" to the login-required guard only so that anonymous visitors get the same 404.
 */
export async function adminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  app.addHook(
    'onRequest',
    requestHook(async (request, reply) => {
      const user = request.user ? await deps.users.findUser(request.user.id) : undefined;
      if (user?.role !== 'admin' || user.disabled_at > 0) throw new AppError('not_found');
      // TOTP or a passkey: either is the second factor admins must have.
      if (!hasSecondFactor(user)) {
        const path = request.method === 'GET' ? (request.url.split('?', 1)[0] ?? '/admin/') : '/admin/';
        reply.redirect(`/accounts/2fa/?next=${encodeURIComponent(path)}`, 303);
      }
    }),
  );
  const config = { public: true, neverCache: true };
  const actorOf = (request: FastifyRequest): AdminActor => ({ party: partyOf(request.user) ?? { name: '' }, request });
  const idParam = (request: FastifyRequest) => {
    const id = (request.params as Record<string, unknown>)['id'];
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new AppError('not_found');
    return id;
  };

  app.get('/admin/', { config }, async (request, reply) => {
    const held = await deps.moderation.listHeld(100, 0);
    return sendPage(reply, <AdminHomePage context={viewContextFor(request, reply)} heldCount={held.length} />);
  });

  const sendModeration = async (request: FastifyRequest, reply: FastifyReply, page: number, extras: { errors?: string[]; notice?: string } = {}, status = 200) => {
    const rows = await deps.moderation.listHeld(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    const photos = rows.slice(0, PAGE_SIZE).map((p) => ({ id: p.id, ownerName: p.owner_name, title: p.title, detail: p.status_detail, createdAt: p.created_at }));
    const view = <ModerationPage context={viewContextFor(request, reply, extras.notice)} photos={photos} page={page} hasNext={rows.length > PAGE_SIZE} errors={extras.errors ?? []} />;
    return sendPage(reply, view, status);
  };

  app.get('/admin/moderation/', { config }, async (request, reply) => {
    const notice = { released: 'The photo was released.', removed: 'The photo was removed.' }[readQueryParam(request.query, 'done') ?? ''];
    return sendModeration(request, reply, parsePage(readQueryParam(request.query, 'page')), { ...(notice ? { notice } : {}) });
  });

  // A held photo's image, for the reviewer only: never stored by any cache, never sniffed, and
  // sandboxed should a browser ever render it as a document.
  app.get('/admin/moderation/:id/media/:variant', { config }, async (request, reply) => {
    const id = parsePhotoId((request.params as Record<string, unknown>)['id']);
    const variant = (request.params as Record<string, unknown>)['variant'];
    if (typeof variant !== 'string' || !REVIEW_VARIANTS.has(variant) || !isMediaVariant(variant)) throw new AppError('not_found');
    const opened = await deps.moderation.openHeldMedia(id, variant);
    if (!opened) throw new AppError('not_found');
    reply.header('content-security-policy', "default-src 'none'; sandbox");
    reply.header('cross-origin-resource-policy', 'same-origin');
    return reply
      .type(mediaType(opened.photo, variant))
      .header('content-length', String(opened.media.size))
      .header('content-disposition', 'inline')
      .send(opened.media.data ?? opened.media.stream);
  });

  app.post('/admin/moderation/:id/release/', { config }, async (request, reply) => {
    const id = parsePhotoId((request.params as Record<string, unknown>)['id']);
    if (!(await deps.moderation.release(id, actorOf(request)))) throw new AppError('not_found', { detail: 'That photo is not waiting for review.' });
    return reply.redirect('/admin/moderation/?done=released', 303);
  });

  app.post('/admin/moderation/:id/remove/', { config }, async (request, reply) => {
    const id = parsePhotoId((request.params as Record<string, unknown>)['id']);
    const reason = readForm(request.body, ['reason'] as const).reason.normalize('NFKC').replace(/\p{Cc}/gu, ' ').trim();
    if (reason === '' || [...reason].length > MAX_REASON_LENGTH) {
      const message = reason === '' ? 'Give a reason: the owner will read it.' : `The reason can have at most ${MAX_REASON_LENGTH} characters.`;
      return sendModeration(request, reply, 1, { errors: [message] }, 400);
    }
    if (!(await deps.moderation.remove(id, reason, actorOf(request)))) throw new AppError('not_found', { detail: 'That photo is not waiting for review.' });
    return reply.redirect('/admin/moderation/?done=removed', 303);
  });

  app.get('/admin/users/', { config }, async (request, reply) => {
    const query = (readQueryParam(request.query, 'q') ?? '').slice(0, 150);
    const page = parsePage(readQueryParam(request.query, 'page'));
    const rows = await deps.users.listUsers(query, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    const users = rows.slice(0, PAGE_SIZE).map((u) => ({
      id: u.id,
      username: u.username,
      email: u.email,
      role: u.role,
      disabled: u.disabled_at > 0,
      deleted: u.deleted_at > 0,
      totp: u.totp_enabled_at > 0,
      passkeys: u.passkey_count,
      createdAt: u.created_at,
      quotaMb: u.storage_quota_bytes === null ? null : Math.round(Number(u.storage_quota_bytes) / MEBIBYTE),
    }));
    const notice = readQueryParam(request.query, 'done') ?? undefined;
    const known = notice === undefined ? undefined : USER_NOTICES[notice];
    return sendPage(reply, <UsersPage context={viewContextFor(request, reply, known)} users={users} query={query} page={page} hasNext={rows.length > PAGE_SIZE} />);
  });

  const userAction = (name: string, run: (id: string, actor: AdminActor) => Promise<AdminOutcome>) => {
    app.post(`/admin/users/:id/${name}/`, { config }, async (request, reply) => {
      const outcome = await run(idParam(request), actorOf(request));
      if (!outcome.ok && outcome.reason === 'no_such_user') throw new AppError('not_found');
      if (!outcome.ok) throw new AppError('conflict', { detail: 'You cannot do that to your own account.' });
      return reply.redirect(`/admin/users/?done=${name}`, 303);
    });
  };
  userAction('disable', deps.users.disable);
  userAction('enable', deps.users.enable);
  userAction('end-sessions', deps.users.endSessions);
  userAction('reset-2fa', deps.users.resetTwoFactor);

  // The storage quota in whole MB (field `quota_mb`); empty is no limit.
  app.post('/admin/users/:id/quota/', { config }, async (request, reply) => {
    const id = idParam(request);
    const raw = readForm(request.body, ['quota_mb'] as const).quota_mb.trim();
    if (raw !== '' && (!/^\d{1,10}$/.test(raw) || Number(raw) > MAX_QUOTA_MB)) {
      throw new AppError('validation_failed', { detail: `The quota must be a whole number of MB from 0 to ${MAX_QUOTA_MB}, or empty for no limit.` });
    }
    const outcome = await deps.users.setQuota(id, actorOf(request), raw === '' ? null : Number(raw) * MEBIBYTE);
    if (!outcome.ok) throw new AppError('not_found');
    return reply.redirect('/admin/users/?done=quota', 303);
  });

  app.get('/admin/audit/', { config }, async (request, reply) => {
    const rawEvent = readQueryParam(request.query, 'event') ?? '';
    if (rawEvent !== '' && !isAuditEvent(rawEvent)) throw new AppError('bad_request', { detail: 'Unknown event type.' });
    const userName = (readQueryParam(request.query, 'user') ?? '').normalize('NFKC').trim().slice(0, 150);
    const page = parsePage(readQueryParam(request.query, 'page'));
    const named = userName === '' ? undefined : await deps.users.findByUsername(userName);
    const rows = await deps.audit.list({
      event: rawEvent === '' ? undefined : rawEvent,
      userId: named?.id,
      userName: userName === '' ? undefined : (named?.username ?? userName),
      limit: PAGE_SIZE + 1,
      offset: (page - 1) * PAGE_SIZE,
    });
    const entries = rows.slice(0, PAGE_SIZE).map((e) => ({ at: e.at, event: e.event, actor: e.actor_name, target: e.target_name, ip: e.ip, requestId: e.request_id, detail: e.detail }));
    return sendPage(reply, <AuditPage context={viewContextFor(request, reply)} entries={entries} events={AUDIT_EVENTS} event={rawEvent} user={userName} page={page} hasNext={rows.length > PAGE_SIZE} />);
  });
}

const USER_NOTICES: Readonly<Record<string, string>> = {
  disable: 'The account was disabled and its sessions ended.',
  enable: 'The account was enabled.',
  'end-sessions': 'The user’s sessions were ended.',
  'reset-2fa': 'Two-factor login was reset for that user.',
  quota: 'The storage quota was saved.',
};
