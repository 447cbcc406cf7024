import type { ComponentChildren } from 'preact';
import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { PostButton } from '../components/post-button.js';
import { TableHead } from '../components/table-head.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

const formatTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';

function AdminLayout({ title, context, children }: { title: string; context: ViewContext; children: ComponentChildren }) {
  return (
    <Layout title={title} context={context}>
      <nav class="admin-nav" aria-label="Administration">
        <a href="/admin/">Administration</a> · <a href="/admin/moderation/">Moderation</a> · <a href="/admin/users/">Users</a> · <a href="/admin/audit/">Audit log</a>
      </nav>
      <h1>{title}</h1>
      {children}
    </Layout>
  );
}

function Pager({ base, page, hasNext }: { base: string; page: number; hasNext: boolean }) {
  const join = base.includes('?') ? '&' : '?';
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? <a href={`${base}${join}page=${page - 1}`}>Newer</a> : null}
      {hasNext ? <a href={`${base}${join}page=${page + 1}`}>Older</a> : null}
    </nav>
  );
}

export function AdminHomePage({ context, heldCount }: { context: ViewContext; heldCount: number }) {
  return (
    <AdminLayout title="Administration" context={context}>
      <ul>
        <li>
          <a href="/admin/moderation/">Moderation queue</a>: {heldCount === 0 ? 'no photos waiting' : `${heldCount}${heldCount >= 100 ? '+' : ''} held photos waiting`}
        </li>
        <li>
          <a href="/admin/users/">Users</a>
        </li>
        <li>
          <a href="/admin/audit/">Audit log</a>
        </li>
      </ul>
    </AdminLayout>
  );
}

export interface HeldPhotoView {
  readonly id: string;
  readonly ownerName: string;
  readonly title: string;
  readonly detail: string;
  readonly createdAt: number;
}

export interface ModerationPageProps {
  readonly context: ViewContext;
  readonly photos: readonly HeldPhotoView[];
  readonly page: number;
  readonly hasNext: boolean;
  readonly errors: readonly string[];
}

export function ModerationPage({ context, photos, page, hasNext, errors }: ModerationPageProps) {
  return (
    <AdminLayout title="Moderation queue" context={context}>
      <FieldErrors id="moderation-errors" errors={errors} />
      {photos.length === 0 ? <p class="empty">No photos are held for review.</p> : null}
      <ul class="moderation-queue">
        {photos.map((p) => (
          <li class="card" data-photo-id={p.id}>
            <img src={`/admin/moderation/${p.id}/media/thumb.jpg`} alt={`Held photo “${p.title || 'Untitled'}”`} width={256} height={256} loading="lazy" class="photo-thumb" />
            <p>
              <strong>{p.title || 'Untitled'}</strong> by {p.ownerName}, uploaded {formatTime(p.createdAt)}
            </p>
            <p class="help">{p.detail}</p>
            <PostButton action={`/admin/moderation/${p.id}/release/`} csrfToken={context.csrfToken} label="Release" />
            <PostButton action={`/admin/moderation/${p.id}/remove/`} csrfToken={context.csrfToken} label="Remove" danger>
              <label for={`reason-${p.id}`}>Reason (shown to the owner)</label>
              <input id={`reason-${p.id}`} name="reason" type="text" required maxlength={500} />
            </PostButton>
          </li>
        ))}
      </ul>
      <Pager base="/admin/moderation/" page={page} hasNext={hasNext} />
    </AdminLayout>
  );
}

export interface AdminUserView {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly role: string;
  readonly disabled: boolean;
  /** Deleted by its owner: shown, never acted on. */
  readonly deleted: boolean;
  readonly totp: boolean;
  /** Registered passkeys. */
  readonly passkeys: number;
  readonly createdAt: number;
  /** Storage quota in MB; null: no limit. */
  readonly quotaMb: number | null;
}

/** "Off", "TOTP", "1 passkey", "TOTP + 2 passkeys". */
export function twoFactorLabel(user: Pick<AdminUserView, 'totp' | 'passkeys'>): string {
  const passkeys = user.passkeys === 0 ? [] : [`${user.passkeys} ${user.passkeys === 1 ? 'passkey' : 'passkeys'}`];
  const factors = [...(user.totp ? ['TOTP'] : []), ...passkeys];
  return factors.length === 0 ? 'Off' : factors.join(' + ');
}

export interface UsersPageProps {
  readonly context: ViewContext;
  readonly users: readonly AdminUserView[];
  readonly query: string;
  readonly page: number;
  readonly hasNext: boolean;
}

export function UsersPage({ context, users, query, page, hasNext }: UsersPageProps) {
  return (
    <AdminLayout title="Users" context={context}>
      <form method="get" action="/admin/users/">
        <label for="id_q">Username starts with</label>
        <input id="id_q" name="q" type="text" value={query} maxlength={150} />
        <button type="submit">Search</button>
      </form>
      <table class="sessions">
        <TableHead columns={['User', 'Role', 'State', 'Two-factor', 'Joined', 'Storage quota', 'Actions']} />
        <tbody>
          {users.map((u) => (
            <tr data-user={u.username}>
              <td>
                {u.username}
                <br />
                <small>{u.email}</small>
              </td>
              <td data-label="Role">{u.role}</td>
              <td data-label="State">{u.deleted ? 'Deleted' : u.disabled ? 'Disabled' : 'Active'}</td>
              <td data-label="Two-factor">{twoFactorLabel(u)}</td>
              <td data-label="Joined">{formatTime(u.createdAt)}</td>
              <td>
                {u.deleted ? null : (
                  <form method="post" action={`/admin/users/${u.id}/quota/`} class="inline-form">
                    <CsrfField token={context.csrfToken} />
                    <label for={`quota-${u.id}`}>MB (empty: no limit)</label>
                    <input id={`quota-${u.id}`} name="quota_mb" type="text" inputmode="numeric" pattern="[0-9]*" maxlength={10} size={8} value={u.quotaMb === null ? '' : String(u.quotaMb)} />
                    <button type="submit">Set quota</button>
                  </form>
                )}
              </td>
              <td>
                {u.deleted ? null : u.disabled ? (
                  <PostButton action={`/admin/users/${u.id}/enable/`} csrfToken={context.csrfToken} label="Enable" />
                ) : (
                  <PostButton action={`/admin/users/${u.id}/disable/`} csrfToken={context.csrfToken} label="Disable" danger />
                )}
                {u.deleted ? null : <PostButton action={`/admin/users/${u.id}/end-sessions/`} csrfToken={context.csrfToken} label="End sessions" />}
                {(u.totp || u.passkeys > 0) && !u.deleted ? <PostButton action={`/admin/users/${u.id}/reset-2fa/`} csrfToken={context.csrfToken} label="Reset two-factor" danger /> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager base={query === '' ? '/admin/users/' : `/admin/users/?q=${encodeURIComponent(query)}`} page={page} hasNext={hasNext} />
    </AdminLayout>
  );
}

export interface AuditEntryView {
  readonly at: number;
  readonly event: string;
  readonly actor: string;
  readonly target: string;
  readonly ip: string;
  readonly requestId: string;
  readonly detail: string;
}

export interface AuditPageProps {
  readonly context: ViewContext;
  readonly entries: readonly AuditEntryView[];
  readonly events: readonly string[];
  readonly event: string;
  readonly user: string;
  readonly page: number;
  readonly hasNext: boolean;
}

export function AuditPage({ context, entries, events, event, user, page, hasNext }: AuditPageProps) {
  const filters = new URLSearchParams({ ...(event ? { event } : {}), ...(user ? { user } : {}) }).toString();
  return (
    <AdminLayout title="Audit log" context={context}>
      <form method="get" action="/admin/audit/">
        <label for="id_event">Event</label>
        <select id="id_event" name="event">
          <option value="">All events</option>
          {events.map((name) => (
            <option value={name} selected={name === event}>
              {name}
            </option>
          ))}
        </select>
        <label for="id_user">User</label>
        <input id="id_user" name="user" type="text" value={user} maxlength={150} />
        <button type="submit">Filter</button>
      </form>
      {entries.length === 0 ? <p class="empty">No entries.</p> : null}
      <table class="sessions audit-log">
        <TableHead columns={['Time', 'Event', 'Actor', 'Target', 'Address', 'Request id', 'Detail']} />
        <tbody>
          {entries.map((e) => (
            <tr data-event={e.event}>
              <td>{formatTime(e.at)}</td>
              <td data-label="Event">{e.event}</td>
              <td data-label="Actor">{e.actor}</td>
              <td data-label="Target">{e.target}</td>
              <td data-label="Address">{e.ip}</td>
              <td data-label="Request id">
                <code>{e.requestId}</code>
              </td>
              <td data-label="Detail">{e.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager base={filters === '' ? '/admin/audit/' : `/admin/audit/?${filters}`} page={page} hasNext={hasNext} />
    </AdminLayout>
  );
}
