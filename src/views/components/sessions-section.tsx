import type { SessionSummary } from '../../accounts/sessions/session-summary.js';
import { PostButton } from './post-button.js';
import { TableHead } from './table-head.js';
import { formatTime } from '../format-time.js';

export interface SessionsSectionProps {
  readonly csrfToken: string;
  readonly sessions: readonly SessionSummary[];
}

/** The account page's signed-in sessions: browser and system, when, and a form to end each. */
export function SessionsSection({ csrfToken, sessions }: SessionsSectionProps) {
  const others = sessions.some((s) => !s.current);
  return (
    <section class="card sessions-section" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Signed-in sessions</h2>
      <table class="sessions">
        <TableHead columns={['Browser', 'System', 'Signed in', 'Last active', 'Action']} />
        <tbody>
          {sessions.map((s) => (
            <tr>
              <td>
                {s.browser}
                {s.current ? <strong> (this session)</strong> : null}
              </td>
              <td>{s.system}</td>
              <td data-label="Signed in">{formatTime(s.createdAt)}</td>
              <td data-label="Last active">{formatTime(s.lastSeenAt)}</td>
              <td>
                <PostButton
                  action={`/accounts/sessions/${encodeURIComponent(s.id)}/end/`}
                  csrfToken={csrfToken}
                  label={s.current ? 'Log out' : 'End'}
                  ariaLabel={s.current ? 'End this session (log out)' : `End the session of ${s.browser} on ${s.system}`}
                  danger
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {others ? <PostButton action="/accounts/sessions/end-others/" csrfToken={csrfToken} label="Log out everywhere else" danger /> : null}{' '}
      <PostButton action="/accounts/logout-everywhere/" csrfToken={csrfToken} label="Log out everywhere" danger />
    </section>
  );
}
