import { CsrfField } from './csrf-field.js';
import { FieldErrors } from './field-errors.js';
import { PostButton } from './post-button.js';
import { TableHead } from './table-head.js';
import { formatTime } from '../format-time.js';

export interface ShareLinkView {
  readonly id: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly hasPassword: boolean;
  readonly state: 'active' | 'expired' | 'revoked';
  readonly views: number;
}

export interface ShareLinksSectionProps {
  readonly csrfToken: string;
  /** What the links share; the forms post under `/photos/<id>/` or `/albums/<id>/`. */
  readonly target: { readonly kind: 'photo' | 'album'; readonly id: string };
  readonly links: readonly ShareLinkView[];
  /** Why this photo cannot be shared (not ready); null when it can. */
  readonly unshareable: string | null;
  /** A link just created: shown this once, never again (only its hash is kept). */
  readonly created?: { readonly url: string; readonly expiresAt: number; readonly hasPassword: boolean } | undefined;
  readonly errors?: readonly string[] | undefined;
  readonly expiryChoices: readonly number[];
  readonly defaultExpiry: number;
}

const STATE_TEXT = { active: 'Active', expired: 'Expired', revoked: 'Revoked' } as const;

const SHOWN = {
  photo: 'this photo, its title and its caption',
  album: 'this album’s name and its photos (not the originals), with their titles and captions',
} as const;

/** The owner's share links for one photo or album, on its page: create, list, revoke. */
export function ShareLinksSection({ csrfToken, target, links, unshareable, created, errors, expiryChoices, defaultExpiry }: ShareLinksSectionProps) {
  const invalid = errors !== undefined && errors.length > 0;
  const base = `/${target.kind}s/${target.id}/shares/`;
  const createAction = base;
  return (
    <section class="card share-links" id="share-links" aria-labelledby="share-links-heading">
      <h2 id="share-links-heading">Share</h2>
      {created ? (
        <div class="notice" role="status">
          <p>Your new share link is below. Copy it now: it will not be shown again.</p>
          <label for="id_new_share_link">New share link</label>
          <div class="copy-row">
            <input id="id_new_share_link" type="text" value={created.url} readonly autocomplete="off" spellcheck={false} />
            <button type="button" data-copy="id_new_share_link" hidden>
              Copy
            </button>
          </div>
          <p>
            It expires {formatTime(created.expiresAt)}. {created.hasPassword ? 'Viewers also need the password you chose.' : `Anyone with the link can see this ${target.kind}.`}
          </p>
        </div>
      ) : null}
      {unshareable ? (
        <p class="notice" id="share-unavailable">
          {unshareable}
        </p>
      ) : (
        <form method="post" action={createAction}>
          <p class="help">Anyone with a share link sees {SHOWN[target.kind]}; nothing else of yours.</p>
          <CsrfField token={csrfToken} />
          <label for="id_share_expiry">Expires after</label>
          <select id="id_share_expiry" name="expires_in">
            {expiryChoices.map((days) => (
              <option value={String(days)} selected={days === defaultExpiry}>
                {days === 1 ? '1 day' : `${days} days`}
              </option>
            ))}
          </select>
          <label for="id_share_password">Password (optional)</label>
          <input
            id="id_share_password"
            name="password"
            type="password"
            autocomplete="new-password"
            maxlength={1024}
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby={invalid ? 'share-errors share-password-help' : 'share-password-help'}
          />
          <p class="help" id="share-password-help">
            Viewers will need it as well as the link. At least 8 characters, or leave it empty.
          </p>
          <FieldErrors id="share-errors" errors={errors} />
          <button type="submit">Create share link</button>
        </form>
      )}
      {links.length === 0 ? (
        <p class="empty">This {target.kind} has no share links.</p>
      ) : (
        <table class="sessions">
          <TableHead columns={['Created', 'Expires', 'Password', 'Status', 'Views', 'Action']} />
          <tbody>
            {links.map((link) => {
              const revokeAction = `${base}${link.id}/revoke/`;
              return (
                <tr data-share-id={link.id}>
                  <td data-label="Created">{formatTime(link.createdAt)}</td>
                  <td data-label="Expires">{formatTime(link.expiresAt)}</td>
                  <td data-label="Password">{link.hasPassword ? 'Yes' : 'No'}</td>
                  <td data-label="Status" class={`share-state share-${link.state}`}>{STATE_TEXT[link.state]}</td>
                  <td data-label="Views">{link.views}</td>
                  <td>
                    {link.state === 'active' ? <PostButton action={revokeAction} csrfToken={csrfToken} label="Revoke" ariaLabel={`Revoke the link created ${formatTime(link.createdAt)}`} danger /> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
