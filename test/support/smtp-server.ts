import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message as the test SMTP server received it. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  /** Whether the connection was TLS (STARTTLS) when the message came. */
  readonly secure: boolean;
  /** The user the client authenticated as ('' without AUTH). */
  readonly user: string;
}

export interface TestSmtpServer {
  /** SMTP_URL for the app: credentials, port, and acceptance of the server's self-signed certificate. */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Resolves with the next message to `to` that was not taken yet, or rejects after `timeoutMs`. */
  nextMailTo(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export interface TestSmtpServerOptions {
  /** Offer STARTTLS (smtp-server's own self-signed certificate). Default true. */
  readonly starttls?: boolean;
  /** Hold each message this long before accepting it (a slow server). */
  readonly acceptDelayMs?: number;
}

const USER = 'photovault';
const PASS = 'smtp-test-password';

/** A real SMTP server (the smtp-server package) on a free loopback port, with AUTH PLAIN/LOGIN. */
export async function startSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  const serverOptions: SMTPServerOptions = {
    logger: false,
    disabledCommands: options.starttls === false ? ['STARTTLS'] : [],
    allowInsecureAuth: options.starttls === false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASS) callback(null, { user: USER });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          if (options.acceptDelayMs) await new Promise((resolve) => setTimeout(resolve, options.acceptDelayMs));
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : '',
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch((error: unknown) => callback(error as Error));
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  const tls = options.starttls === false ? '' : '?tls.rejectUnauthorized=false';
  return {
    url: `smtp://${USER}:${PASS}@127.0.0.1:${port}${tls}`,
    received,
    nextMailTo(to, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = received.find((m) => !taken.has(m) && m.to.includes(to));
          if (!mail) return false;
          taken.add(mail);
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(mail);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms (received ${received.length})`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The reset link in a received mail. */
export function resetLinkIn(mail: ReceivedMail): URL {
  const match = /https?:\/\/\S+\/accounts\/password\/reset\/[A-Za-z0-9_-]+\//.exec(mail.text);
  if (!match) throw new Error(`no reset link in: ${mail.text}`);
  return new URL(match[0]);
}
