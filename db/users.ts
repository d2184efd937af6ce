// Users and their bearer tokens: passwords are stored as scrypt hashes, tokens as SHA-256 hashes.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashPassword, mask, newToken, tokenHash } from '../domain/credentials';
import type { ApiToken, Database, TokenKind, User, UserRole } from './schema';

/** Emails are compared case-insensitively; they are stored trimmed and lower-cased. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** Thrown when a user with the same email exists. */
export class DuplicateEmailError extends Error {
  override readonly name = 'DuplicateEmailError';
}

/** Creates a user; throws {@link DuplicateEmailError} when the email is taken. */
export async function createUser(db: Kysely<Database>, input: { email: string; password: string; role: UserRole }): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  const row = await db
    .insertInto('users')
    .values({ id: randomUUID(), email: normaliseEmail(input.email), password_hash: passwordHash, role: input.role })
    .onConflict((oc) => oc.column('email').where('deleted_at', 'is', null).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new DuplicateEmailError(`a user with email ${normaliseEmail(input.email)} already exists`);
  return row;
}

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function getUser(db: Kysely<Database>, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A token as it is listed: never the token, only its first characters. */
export function tokenView(t: ApiToken) {
  return {
    id: t.id,
    kind: t.kind,
    name: t.name,
    token: t.prefix,
    createdAt: t.created_at,
    lastUsedAt: t.last_used_at,
    expiresAt: t.expires_at,
    revokedAt: t.revoked_at,
  };
}

/** Issues a token for a user; the returned `token` is the only time it exists in clear. */
export async function issueToken(
  db: Kysely<Database>,
  input: { userId: string; kind: TokenKind; name: string; expiresAt?: Date | null },
): Promise<{ token: string; row: ApiToken }> {
  const token = newToken();
  const row = await db
    .insertInto('api_tokens')
    .values({
      id: randomUUID(),
      user_id: input.userId,
      kind: input.kind,
      name: input.name,
      token_hash: tokenHash(token),
      prefix: mask(token),
      expires_at: input.expiresAt ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, row };
}

/** The user a bearer token stands for, or undefined when it is unknown, revoked or expired. */
export async function authenticateToken(db: Kysely<Database>, token: string): Promise<{ user: User; tokenId: string } | undefined> {
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .selectAll('u')
    .select(['t.id as token_id', 't.last_used_at'])
    .where('t.token_hash', '=', tokenHash(token))
    .where('t.revoked_at', 'is', null)
    .where('u.deleted_at', 'is', null)
    .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', new Date())]))
    .executeTakeFirst();
  if (!row) return undefined;
  const { token_id, last_used_at, ...user } = row;
  // Stamp last use at most once a minute: one write per request would be wasteful.
  if (!last_used_at || Date.now() - last_used_at.getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', token_id).execute();
  }
  return { user, tokenId: token_id };
}

/** A user's tokens, newest first (revoked and expired ones included, so the history is visible). */
export async function listTokens(db: Kysely<Database>, userId: string, kind?: TokenKind): Promise<ApiToken[]> {
  let q = db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId);
  if (kind) q = q.where('kind', '=', kind);
  return q.orderBy('created_at', 'desc').orderBy('id').execute();
}

/** Revokes one of the user's tokens; false when the user has no such token. */
export async function revokeToken(db: Kysely<Database>, userId: string, tokenId: string): Promise<boolean> {
  const res = await db
    .updateTable('api_tokens')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(new Date())) }))
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/**
 * Makes sure an admin exists. With no user at all, creates one from the given email and password,
 * or with a generated password that is returned (to be printed once). Batches made before accounts
 * existed (user `local`) are handed to that admin.
 */
export async function ensureFirstAdmin(
  db: Kysely<Database>,
  opts: { email?: string; password?: string; generatePassword: () => string },
): Promise<{ created: false } | { created: true; email: string; generatedPassword?: string }> {
  if ((await countUsers(db)) > 0) return { created: false };
  const email = opts.email ?? 'admin@localhost';
  const generatedPassword = opts.password ? undefined : opts.generatePassword();
  let user: User;
  try {
    user = await createUser(db, { email, password: opts.password ?? generatedPassword!, role: 'admin' });
  } catch (err) {
    // Another process created the first user at the same moment: fine.
    if (err instanceof DuplicateEmailError) return { created: false };
    throw err;
  }
  await db.updateTable('batches').set({ user_id: user.id }).where('user_id', '=', 'local').execute();
  return { created: true, email: user.email, generatedPassword };
}

/**
 * Start-up step: creates the first admin when there is no user, and says so through `log`. A generated
 * password is printed this once (it is stored only as a hash).
 */
export async function ensureAdminAtStart(
  db: Kysely<Database>,
  admin: { email?: string; password?: string },
  log: (line: string) => void,
  generatePassword: () => string,
): Promise<void> {
  const r = await ensureFirstAdmin(db, { ...admin, generatePassword });
  if (!r.created) return;
  if (r.generatedPassword) {
    log(`created the first admin: ${r.email} with password ${r.generatedPassword}`);
    log('this password is shown only once; set BOLT_ADMIN_EMAIL/BOLT_ADMIN_PASSWORD before the first start to choose your own');
  } else {
    log(`created the first admin: ${r.email} (password from BOLT_ADMIN_PASSWORD)`);
  }
}

/** Replaces a user's password hash (a new password, or an old-scheme hash upgraded at login). */
export async function setPasswordHash(db: Kysely<Database>, userId: string, passwordHash: string): Promise<boolean> {
  const r = await db.updateTable('users').set({ password_hash: passwordHash, updated_at: new Date() }).where('id', '=', userId).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Revokes a user's login sessions, all of them or all but one; returns how many were ended. */
export async function revokeSessions(db: Kysely<Database>, userId: string, exceptTokenId?: string): Promise<number> {
  let q = db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('kind', '=', 'session').where('revoked_at', 'is', null);
  if (exceptTokenId) q = q.where('id', '!=', exceptTokenId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** A user's live sessions (neither revoked nor expired), newest first. */
export async function listSessions(db: Kysely<Database>, userId: string): Promise<ApiToken[]> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('kind', '=', 'session')
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}
