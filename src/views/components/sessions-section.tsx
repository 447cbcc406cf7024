import type { SessionSummary } from '../../accounts/sessions/session-summary.js';
import { CsrfField } from './csrf-field.js';
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
        <thead>
          <tr>
            <th>Browser</th>
            <th>System</th>
            <th>Signed in</th>
            <th>Last active</th>
            <th>Action</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr>
              <td>
                {s.browser}
                {s.current ? <strong> (this session)</strong> : null}
              </td>
              <td>{s.system}</td>
              <td>{formatTime(s.createdAt)}</td>
              <td>{formatTime(s.lastSeenAt)}</td>
              <td>
                <form method="post" action={`/accounts/sessions/${encodeURIComponent(s.id)}/end/`} class="inline-form">
                  <CsrfField token={csrfToken} />
                  <button type="submit" class="danger" aria-label={s.current ? 'End this session (log out)' : `End the session of ${s.browser} on ${s.system}`}>
                    {s.current ? 'Log out' : 'End'}
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {others ? (
        <form method="post" action="/accounts/sessions/end-others/" class="inline-form">
          <CsrfField token={csrfToken} />
          <button type="submit" class="danger">
            Log out everywhere else
          </button>
        </form>
      ) : null}{' '}
      <form method="post" action="/accounts/logout-everywhere/" class="inline-form">
        <CsrfField token={csrfToken} />
        <button type="submit" class="danger">
          Log out everywhere
        </button>
      </form>
    </section>
  );
}
