// Accounts over HTTP: login (throttled in PostgreSQL), logout, the caller's profile, personal API tokens, and
// admin-only user management.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, tokenHash, verifyPassword } from '../domain/credentials';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from '../domain/login-throttle';
import { clearAttempts, refundAttempt, reserveAttempt, sweepAttempts } from '../db/login-throttle';
import type { Database, User } from '../db/schema';
import { createUser, DuplicateEmailError, findUserByEmail, setPasswordHash, issueToken, listTokens, normaliseEmail, revokeToken, tokenView } from '../db/users';
import { ApiError, ApiErrorCode } from './errors';
import { deleteUser } from './user-limit-routes';
import { removalRoute, requireAdmin, route, type Api } from './http';
import { CreateTokenSchema, CreateUserSchema, IdParam, LoginSchema } from './schemas';

/** How long a login token lives. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** The JSON view of a user: never the password hash. */
export const userView = (u: Pick<User, 'id' | 'email' | 'role' | 'created_at'>) => ({ id: u.id, email: u.email, role: u.role, createdAt: u.created_at });

const UserView = z.object({ id: z.string(), email: z.string(), role: z.enum(['admin', 'member']), createdAt: z.string() });
const TokenView = z.object({
  id: z.string(),
  kind: z.enum(['session', 'personal']),
  name: z.string(),
  token: z.string().meta({ description: 'the first characters only' }),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

async function checkPassword(db: Kysely<Database>, email: string, password: string): Promise<User | undefined> {
  const user = await findUserByEmail(db, email);
  // Same work whether or not the email exists, so timing does not tell which emails have accounts.
  const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
  if (!ok || !user) return undefined;
  // Hashes of an older scheme (scrypt) or weaker setting are replaced now that the password is known.
  if (needsRehash(user.password_hash)) await setPasswordHash(db, user.id, await hashPassword(password));
  return user;
}

/**
 * Counts this attempt before any password is checked, per (email, client) and then per client address,
 * in PostgreSQL; throws 429 with Retry-After when either must wait. Returns both keys.
 */
async function reserveLogin(db: Kysely<Database>, limits: LoginLimits, email: string, address: string): Promise<[string, string]> {
  const scope = limits.scope ? `${limits.scope}:` : '';
  const keys: [string, string] = [`${scope}e:${tokenHash(email)}:${address}`, `${scope}a:${address}`];
  const refuse = (wait: number) => new ApiError(429, ApiErrorCode.rateLimited, `too many login attempts; try again in ${wait} s`, null, { 'Retry-After': String(wait) });
  const emailWait = await reserveAttempt(db, keys[0], limits.perEmail, limits.forgetAfterMs);
  if (emailWait > 0) throw refuse(emailWait);
  const addressWait = await reserveAttempt(db, keys[1], limits.perAddress, limits.forgetAfterMs);
  if (addressWait > 0) {
    // Refused before any password was checked: the email's count only holds guesses that were checked.
    await refundAttempt(db, keys[0], limits.perEmail);
    throw refuse(addressWait);
  }
  return keys;
}

export function authRoutes(api: Api): void {
  const { db } = api.deps;
  const limits = api.deps.loginLimits ?? DEFAULT_LOGIN_LIMITS;
  // Rows of clients that stopped trying are dropped now and then, not on every request.
  const sweep = setInterval(() => void sweepAttempts(db, limits.forgetAfterMs).catch(() => undefined), 10 * 60_000);
  sweep.unref();

  route(
    api,
    {
      method: 'post',
      path: '/api/auth/login',
      tag: 'accounts',
      auth: false,
      summary: 'Exchange email and password for a bearer token (valid 12 hours)',
      description:
        'Every attempt is counted before the password is checked, per email and client address and per client address (in PostgreSQL, shared by every API process). After 5 attempts for one email from one client, each further attempt waits twice as long as the one before (30 s up to 15 min); a successful login clears the count. A waiting client gets 429 `rate_limited` with Retry-After.',
      body: LoginSchema,
      responses: {
        200: { description: 'the token (shown once) and the user', schema: z.object({ token: z.string(), expiresAt: z.string(), user: UserView }) },
        401: { description: 'wrong email or password (`invalid_credentials`)' },
        429: { description: 'too many failed attempts (`rate_limited`)' },
      },
    },
    async ({ req, res, body }) => {
      const email = normaliseEmail(body.email);
      // req.ip honours BOLT_TRUST_PROXY: the client behind the configured proxies, else the socket's peer.
      const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const [emailKey, addressKey] = await reserveLogin(db, limits, email, address);
      const user = await checkPassword(db, email, body.password);
      if (!user) throw new ApiError(401, 'invalid_credentials', 'wrong email or password');
      // Only failures keep counting: the email's count starts over, the client's attempt is given back.
      await clearAttempts(db, emailKey);
      await refundAttempt(db, addressKey, limits.perAddress);
      const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
      const { token } = await issueToken(db, { userId: user.id, kind: 'session', name: `login from ${address}`.slice(0, 100), expiresAt });
      res.json({ token, expiresAt, user: userView(user) });
    },
  );

  route(
    api,
    { method: 'post', path: '/api/auth/logout', tag: 'accounts', summary: 'Revoke the token this request carries', responses: { 204: { description: 'revoked' } } },
    async ({ res, user }) => {
      await revokeToken(db, user.id, user.tokenId);
      res.status(204).end();
    },
  );

  route(
    api,
    { method: 'get', path: '/api/me', tag: 'accounts', summary: 'The caller', responses: { 200: { description: 'the user', schema: z.object({ user: UserView }) } } },
    ({ res, user }) => {
      res.json({ user: { id: user.id, email: user.email, role: user.role } });
    },
  );
  tokenRoutes(api);
  userRoutes(api);
}

/** The caller's personal API tokens: list, create, revoke. */
function tokenRoutes(api: Api): void {
  const { db } = api.deps;

  const tokens = { 200: { description: 'tokens', schema: z.object({ tokens: z.array(TokenView) }) } };
  route(api, { method: 'get', path: '/api/tokens', tag: 'accounts', summary: "The caller's personal API tokens (masked), revoked ones included", responses: tokens }, async ({ res, user }) => {
    res.json({ tokens: (await listTokens(db, user.id, 'personal')).map(tokenView) });
  });

  route(
    api,
    {
      method: 'post',
      path: '/api/tokens',
      tag: 'accounts',
      summary: 'Create a personal API token; the token is in this answer only',
      body: CreateTokenSchema,
      responses: { 201: { description: 'the token in clear (shown once) and its masked record', schema: z.object({ token: z.string(), record: TokenView }) } },
    },
    async ({ res, body, user }) => {
      const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
      const { token, row } = await issueToken(db, { userId: user.id, kind: 'personal', name: body.name, expiresAt });
      res.status(201).json({ token, record: tokenView(row) });
    },
  );

  const revoked = { path: '/api/tokens/:id', tag: 'accounts', summary: "Revoke one of the caller's tokens", what: 'token', removed: 'revoked (again: still 204)' };
  removalRoute(api, revoked, (user, id) => revokeToken(db, user.id, id));
}

/** Admin-only user management: list, create, delete. */
function userRoutes(api: Api): void {
  const { db } = api.deps;

  route(
    api,
    { method: 'get', path: '/api/users', tag: 'admin', summary: 'Every user (admins only)', responses: { 200: { description: 'users', schema: z.object({ users: z.array(UserView) }) }, 403: { description: 'not an admin' } } },
    async ({ res, user }) => {
      requireAdmin(user);
      const users = await db.selectFrom('users').select(['id', 'email', 'role', 'created_at']).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute();
      res.json({ users: users.map(userView) });
    },
  );

  route(
    api,
    {
      method: 'post',
      path: '/api/users',
      tag: 'admin',
      summary: 'Create a user (admins only)',
      body: CreateUserSchema,
      responses: { 201: { description: 'the user', schema: z.object({ user: UserView }) }, 403: { description: 'not an admin' }, 409: { description: 'the email is taken (`conflict`)' } },
    },
    async ({ res, body, user }) => {
      requireAdmin(user);
      try {
        res.status(201).json({ user: userView(await createUser(db, body)) });
      } catch (err) {
        if (err instanceof DuplicateEmailError) throw new ApiError(409, ApiErrorCode.conflict, err.message);
        throw err;
      }
    },
  );

  route(
    api,
    {
      method: 'delete',
      path: '/api/users/:id',
      tag: 'admin',
      summary: 'Delete a user: logins and tokens stop, running batches are cancelled, their rows stay, marked (admins only; not yourself)',
      params: IdParam,
      notFoundMessage: 'no such user',
      responses: { 204: { description: 'deleted' }, 403: { description: 'not an admin' }, 409: { description: 'you cannot delete yourself' } },
    },
    async ({ res, params, user }) => {
      requireAdmin(user);
      if (params.id === user.id) throw new ApiError(409, ApiErrorCode.conflict, 'you cannot delete your own account');
      // Kept for the records, marked deleted: tokens revoked, live batches cancelled (see user-limit-routes.ts).
      if (!(await deleteUser(db, api.deps.temporal, params.id, api.deps.log))) throw new ApiError(404, ApiErrorCode.notFound, 'no such user');
      res.status(204).end();
    },
  );
}
