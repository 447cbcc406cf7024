import { text } from 'node:stream/consumers';
import { createPasswordHasher } from './accounts/password/hashing.js';
import { stopStrengthThread } from './accounts/password/strength-check.js';
import { createSessionRepository } from './accounts/sessions/session-repository.js';
import { createSessionService } from './accounts/sessions/session-service.js';
import { createTwoFactorRepository } from './accounts/two-factor/two-factor-repository.js';
import { createAdminRepository } from './admin/admin-repository.js';
import { createQuotaRepository } from './quotas/quota-repository.js';
import { createUserAdminService, type AdminOutcome } from './admin/user-admin-service.js';
import { createAuditLog } from './audit/audit-log.js';
import { createAuditRepository } from './audit/audit-repository.js';
import { loadConfig } from './config/config.js';
import { ConfigError } from './config/env-parsers.js';
import { createDatabase, migrateToLatest } from './db/database.js';

const USAGE = `usage: npm run admin -- <command> <username>

commands:
  promote <username>                 make the user an admin (they must then turn on two-factor login)
  demote <username>                  make an admin an ordinary user
  disable <username>                 disable the account: its sessions end, it cannot log in
  enable <username>                  enable a disabled account
  reset-password <username>          set a generated password, printed once; every session ends
  reset-password <username> --stdin  read the new password from standard input instead (policy-checked)

Works on the configured database (DATABASE_URL, or DATA_DIR's SQLite file). Every change is audited.
`;

const COMMANDS = new Set(['promote', 'demote', 'disable', 'enable', 'reset-password']);

/** `npm run admin`: the operator's tool for roles, disabled accounts and password resets. Exit codes: 0 done, 1 refused, 2 usage, 78 configuration. */
async function main(argv: readonly string[]): Promise<number> {
  const [command, username, ...flags] = argv;
  const stdin = flags.length === 1 && flags[0] === '--stdin' && command === 'reset-password';
  if (command === undefined || !COMMANDS.has(command) || username === undefined || (flags.length > 0 && !stdin)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig();
  const db = createDatabase(config.database);
  try {
    await migrateToLatest(db);
    const sessions = createSessionService(createSessionRepository(db), config.session);
    const twoFactor = createTwoFactorRepository(db);
    const users = createUserAdminService({
      repository: createAdminRepository(db),
      audit: createAuditLog(createAuditRepository(db)),
      hasher: createPasswordHasher(config.argon2),
      endSessions: (id) => sessions.endAll(id),
      resetTwoFactor: (id) => twoFactor.disable(id),
      setQuota: (id, bytes) => createQuotaRepository(db).setQuota(id, bytes),
    });
    const user = await users.findByUsername(username);
    if (!user) {
      process.stderr.write(`No user named ${JSON.stringify(username)}.\n`);
      return 1;
    }
    const actor = { party: { name: 'cli' } };
    if (command === 'reset-password') {
      const given = stdin ? (await text(process.stdin)).replace(/\r?\n$/, '') : undefined;
      const outcome = await users.resetPassword(user.id, actor, given);
      if (!outcome.ok) return refuse(outcome);
      process.stdout.write(outcome.password === undefined ? `Password of ${user.username} changed; their sessions ended.\n` : `New password of ${user.username}: ${outcome.password}\nTheir sessions ended. Give it to them over a safe channel.\n`);
      return 0;
    }
    const run = { promote: users.promote, demote: users.demote, disable: users.disable, enable: users.enable }[command as 'promote' | 'demote' | 'disable' | 'enable'];
    const outcome = await run(user.id, actor);
    if (!outcome.ok) return refuse(outcome);
    const done = command === 'disable' ? 'disabled; their sessions ended' : `${command}d`;
    process.stdout.write(`${user.username}: ${outcome.changed ? done : `no change (already ${command}d)`}.\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

function refuse(outcome: Extract<AdminOutcome, { ok: false }>): number {
  process.stderr.write(outcome.reason === 'weak_password' ? `Password refused:\n${(outcome.errors ?? []).map((e) => `  ${e}`).join('\n')}\n` : `Refused: ${outcome.reason}.\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  async (code) => {
    await stopStrengthThread();
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `admin failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  },
);
