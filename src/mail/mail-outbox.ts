import type { FastifyBaseLogger } from 'fastify';
import type { Mailer, MailMessage } from './mailer.js';

/**
 * Sends mail after the request that asked for it has been answered, so an answer takes the same
 * time whether or not a message went out (no account enumeration by timing: ASVS 5.0 6.3.8) and a
 * slow SMTP server never holds a request. Failures are logged; `drain()` waits for what is in flight
 * (at shutdown, and in tests).
 */
export function createMailOutbox(mailer: Mailer, log: FastifyBaseLogger) {
  const inFlight = new Set<Promise<void>>();
  return {
    /** Queues the message; `what` names it in the logs (never the address or the body, which may hold a secret). */
    post(message: MailMessage, what: Record<string, string>): void {
      const sending = mailer
        .send(message)
        .then(() => log.info({ event: 'mail_sent', ...what }, 'mail sent'))
        .catch((error: unknown) => log.error({ event: 'mail_failed', ...what, err: error }, 'mail could not be sent'))
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },
    async drain(): Promise<void> {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    close(): void {
      mailer.close();
    },
  };
}

export type MailOutbox = ReturnType<typeof createMailOutbox>;
