// `npm run users -- create --email a@b.c --password … [--admin]`: manages accounts from the shell, against
// DATABASE_URL or the embedded PostgreSQL of the data directory (running or not). Exits non-zero on any error.
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { migrateToLatest } from '../db/migrator';
import { createUser, DuplicateEmailError } from '../db/users';
import { loadConfig } from '../domain/config';
import { openDatabase } from '../stack/database';

const USAGE = `usage:
  npm run users -- create --email <email> --password <password> [--admin]
  npm run users -- list`;

const CreateArgs = z
  .object({
    email: z.string().trim().max(254).email('--email must be an email address'),
    password: z.string().min(8, '--password needs at least 8 characters').max(1024),
    admin: z.boolean().default(false),
  })
  .strict();

/** Parses argv (without node and script) into a command; throws with a readable message. */
export function parseCommand(argv: string[]): { command: 'create'; email: string; password: string; admin: boolean } | { command: 'list' } {
  const [command, ...rest] = argv;
  if (command === 'list' && rest.length === 0) return { command: 'list' };
  if (command !== 'create') throw new Error(`unknown or missing command\n${USAGE}`);
  const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, password: { type: 'string' }, admin: { type: 'boolean' } }, strict: true, allowPositionals: false });
  const parsed = CreateArgs.safeParse(values);
  if (!parsed.success) throw new Error(`${parsed.error.issues.map((i) => (i.path.length ? i.message.replace(/^(?!--)/, `--${i.path.join('.')}: `) : i.message)).join('\n')}\n${USAGE}`);
  return { command: 'create', ...parsed.data };
}

async function main(): Promise<void> {
  const cmd = parseCommand(process.argv.slice(2));
  const config = loadConfig();
  // While `npm start` runs, its cluster owns the data folder: use it rather than start a second one.
  const { db, close } = await openDatabase(config);
  try {
    await migrateToLatest(db as Kysely<unknown>);
    if (cmd.command === 'list') {
      const users = await db.selectFrom('users').select(['email', 'role', 'created_at']).orderBy('created_at').execute();
      for (const u of users) console.log(`${u.email}\t${u.role}\t${u.created_at.toISOString()}`);
      return;
    }
    const user = await createUser(db, { email: cmd.email, password: cmd.password, role: cmd.admin ? 'admin' : 'member' });
    console.log(`created ${user.role} ${user.email} (${user.id})`);
  } finally {
    await close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    const message = err instanceof DuplicateEmailError || err instanceof Error ? err.message : String(err);
    console.error(`users: ${message}`);
    process.exit(1);
  });
}
