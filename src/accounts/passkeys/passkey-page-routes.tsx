import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { partyOf, type AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors/catalog.js';
import { PasskeysPage } from '../../views/pages/passkeys-page.js';
import { readForm } from '../../web/forms.js';
import { redirectWithNotice, setNotice } from '../../web/notices.js';
import { sendPage, viewContextFor } from '../../web/pages.js';
import { requireUser } from '../routes.js';
import { readCeremonyBody } from './ceremony-body.js';
import type { IdentityCheck } from './confirm-identity.js';
import type { PasskeyService } from './passkey-service.js';
import { relyingPartyFor, type RelyingPartyOptions } from './relying-party.js';

export interface PasskeyPageRoutesDeps {
  readonly passkeys: PasskeyService;
  readonly audit: AuditLog;
  readonly relyingParty: RelyingPartyOptions;
  /** Checks the password or a current TOTP code before a passkey is removed (throttled). */
  readonly confirmIdentity: IdentityCheck;
  readonly totpEnabled: (userId: string) => Promise<boolean>;
}

const PASSKEY_ID = /^[A-Za-z0-9_-]{22}$/;
const UNAVAILABLE = 'Passkeys are not available at this address (see PUBLIC_URL).';

/**
 * `/accounts/passkeys/`: list, add (a JSON ceremony under the page's session, CSRF-checked like
 * every POST), rename and remove (forms; removal asks for the password or a current code).
 */
export async function passkeyPageRoutes(app: FastifyInstance, deps: PasskeyPageRoutesDeps): Promise<void> {
  const { passkeys, audit } = deps;

  const sendList = async (request: FastifyRequest, reply: FastifyReply, errors?: { id: string; messages: string[] }, status = 200) => {
    const user = requireUser(request);
    const available = relyingPartyFor(request, deps.relyingParty) !== null;
    const page = <PasskeysPage context={viewContextFor(request, reply)} passkeys={await passkeys.list(user.id)} available={available} totp={await deps.totpEnabled(user.id)} errors={errors} />;
    return sendPage(reply, page, status);
  };
  const ownedId = (request: FastifyRequest<{ Params: { id: string } }>) => {
    if (!PASSKEY_ID.test(request.params.id)) throw new AppError('not_found');
    return request.params.id;
  };
  /** The session the ceremony is bound to: a page session (an API token has none). */
  const sessionBinding = (request: FastifyRequest) => {
    if (!request.session) throw new AppError('forbidden', { detail: 'Passkeys are added from a signed-in page.' });
    return `session:${request.session.idHash}`;
  };

  app.get('/accounts/passkeys/', async (request, reply) => sendList(request, reply));

  app.post('/accounts/passkeys/register/options/', async (request, reply) => {
    const user = requireUser(request);
    const binding = sessionBinding(request);
    const rp = relyingPartyFor(request, deps.relyingParty);
    if (!rp) throw new AppError('bad_request', { detail: UNAVAILABLE });
    const options = await passkeys.registrationOptions(user, rp, binding);
    if (!options) throw new AppError('conflict', { detail: 'You have as many passkeys as an account may have. Remove one first.' });
    return reply.send(options);
  });

  app.post('/accounts/passkeys/register/verify/', async (request, reply) => {
    const user = requireUser(request);
    const binding = sessionBinding(request);
    const body = readCeremonyBody(request.body);
    const result = await passkeys.register(user.id, binding, body.name, body.response);
    if (!result.ok) {
      await audit.record({ event: 'passkey_failed', actor: partyOf(user), target: partyOf(user), request, detail: `registration: ${result.reason}` });
      request.log.warn({ event: 'passkey_failed', reason: result.reason }, 'passkey registration refused');
      throw new AppError(result.reason === 'duplicate' || result.reason === 'too_many' ? 'conflict' : 'validation_failed', { detail: result.message });
    }
    await audit.record({ event: 'passkey_added', actor: partyOf(user), target: partyOf(user), request, detail: `passkey ${result.passkey.id} “${result.passkey.name}”` });
    request.log.info({ event: 'passkey_added', passkey_id: result.passkey.id }, 'passkey added');
    setNotice(reply, 'passkey_added');
    return reply.code(201).send({ id: result.passkey.id, name: result.passkey.name });
  });

  app.post<{ Params: { id: string } }>('/accounts/passkeys/:id/rename/', async (request, reply) => {
    const user = requireUser(request);
    const id = ownedId(request);
    const form = readForm(request.body, ['name'] as const);
    const result = await passkeys.rename(user.id, id, form.name);
    // Another user's passkey and no passkey at all get the same 404.
    if (result === null) throw new AppError('not_found');
    if (!result.ok) return sendList(request, reply, { id, messages: result.errors }, 400);
    await audit.record({ event: 'passkey_renamed', actor: partyOf(user), target: partyOf(user), request, detail: `passkey ${id}` });
    return redirectWithNotice(reply, '/accounts/passkeys/', 'passkey_renamed');
  });

  app.post<{ Params: { id: string } }>('/accounts/passkeys/:id/delete/', async (request, reply) => {
    const user = requireUser(request);
    const id = ownedId(request);
    const passkey = await passkeys.find(user.id, id);
    if (!passkey) throw new AppError('not_found');
    const form = readForm(request.body, ['password', 'code'] as const);
    const confirmed = await deps.confirmIdentity(user.id, form.password, form.code, request.ip);
    if (!confirmed.ok) {
      await audit.record({ event: 'passkey_failed', actor: partyOf(user), target: partyOf(user), request, detail: `removal refused: ${confirmed.reason}` });
      if (confirmed.reason === 'throttled') reply.header('retry-after', String(confirmed.retryAfterSeconds));
      return sendList(request, reply, { id, messages: [confirmed.message] }, confirmed.reason === 'throttled' ? 429 : 400);
    }
    if (!(await passkeys.remove(user.id, id))) throw new AppError('not_found');
    await audit.record({ event: 'passkey_removed', actor: partyOf(user), target: partyOf(user), request, detail: `passkey ${id} “${passkey.name}”` });
    request.log.info({ event: 'passkey_removed', passkey_id: id }, 'passkey removed');
    return redirectWithNotice(reply, '/accounts/passkeys/', 'passkey_removed');
  });
}
