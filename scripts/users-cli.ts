// `npm run users -- create --email a@b.c --password -|… [--admin]`: manages accounts from the shell, against
// DATABASE_URL or the embedded PostgreSQL of the data directory (running or not). Exits non-zero on any error.
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { migrateToLatest } from '../db/migrator';
import { createUser, DuplicateEmailError, findUserByEmail, normaliseEmail, revokeSessions, setPasswordHash } from '../db/users';
import { hashPassword } from '../domain/credentials';
import { loadConfig } from '../domain/config';
import { openDatabase } from '../stack/database';

const USAGE = `usage:
  npm run users -- create --email <email> --password <password>|- [--admin]
  npm run users -- password --email <email> --password <password>|-
  npm run users -- list
(--password - reads the password from standard input, so it stays out of ps and the shell history)`;

const CreateArgs = z
  .object({
    email: z.string().trim().max(254).email('--email must be an email address'),
    password: z.union([z.literal('-'), z.string().min(8, '--password needs at least 8 characters').max(1024)]),
    admin: z.boolean().default(false),
  })
  .strict();

/** Parses argv (without node and script) into a command; throws with a readable message. */
export function parseCommand(argv: string[]): { command: 'create' | 'password'; email: string; password: string; admin: boolean } | { command: 'list' } {
  const [command, ...rest] = argv;
  if (command === 'list' && rest.length === 0) return { command: 'list' };
  if (command !== 'create' && command !== 'password') throw new Error(`unknown or missing command\n${USAGE}`);
  const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, password: { type: 'string' }, admin: { type: 'boolean' } }, strict: true, allowPositionals: false });
  const parsed = CreateArgs.safeParse(values);
  if (!parsed.success) throw new Error(`${parsed.error.issues.map((i) => (i.path.length ? i.message.replace(/^(?!--)/, `--${i.path.join('.')}: `) : i.message)).join('\n')}\n${USAGE}`);
  if (command === 'password' && parsed.data.admin) throw new Error(`--admin is for create only\n${USAGE}`);
  return { command, ...parsed.data };
}

/** The password from standard input: its first line, without the line break. */
export async function readPasswordFromStdin(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (password.length < 8) throw new Error('the password on standard input needs at least 8 characters');
  if (password.length > 1024) throw new Error('the password on standard input has more than 1,024 characters');
  return password;
}

async function main(): Promise<void> {
  const cmd = parseCommand(process.argv.slice(2));
  const config = loadConfig(process.env);
  // While `npm start` runs, its cluster owns the data folder: use it rather than start a second one.
  const { db, close } = await openDatabase(config);
  try {
    await migrateToLatest(db as Kysely<unknown>);
    if (cmd.command === 'list') {
      const users = await db.selectFrom('users').select(['email', 'role', 'created_at']).orderBy('created_at').execute();
      for (const u of users) console.log(`${u.email}\t${u.role}\t${u.created_at.toISOString()}`);
      return;
    }
    const password = cmd.password === '-' ? await readPasswordFromStdin() : cmd.password;
    if (cmd.command === 'password') {
      const user = await findUserByEmail(db, cmd.email);
      if (!user) throw new Error(`no user with email ${normaliseEmail(cmd.email)}`);
      await setPasswordHash(db, user.id, await hashPassword(password));
      console.log(`password of ${user.email} changed; ${await revokeSessions(db, user.id)} login session(s) ended`);
      return;
    }
    const user = await createUser(db, { email: cmd.email, password, role: cmd.admin ? 'admin' : 'member' });
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
