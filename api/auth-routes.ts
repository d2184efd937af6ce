// Accounts over HTTP: login (rate-limited), logout, the caller's profile, personal API tokens, and
// admin-only user management.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../domain/credentials';
import type { Database, User } from '../db/schema';
import { createUser, DuplicateEmailError, findUserByEmail, issueToken, listTokens, normaliseEmail, revokeToken, tokenView } from '../db/users';
import { ApiError, ApiErrorCode } from './errors';
import { deleteUser } from './user-limit-routes';
import { requireAdmin, route, type Api } from './http';
import { CreateTokenSchema, CreateUserSchema, IdParam, LoginSchema } from './schemas';

/** How long a login token lives. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * Counts failed logins per email and per client address in a sliding window. In memory: each API
 * process limits on its own, which bounds guessing to (processes × limit) per window.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly limits: { perEmail: number; perAddress: number; windowMs: number }) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.limits.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds until the next attempt is allowed, or 0 when it is allowed now. */
  retryAfter(email: string, address: string, now = Date.now()): number {
    const checks: Array<[string, number]> = [
      [`e:${email}`, this.limits.perEmail],
      [`a:${address}`, this.limits.perAddress],
    ];
    let wait = 0;
    for (const [key, limit] of checks) {
      const list = this.recent(key, now);
      if (list.length >= limit) wait = Math.max(wait, Math.ceil((list[list.length - limit]! + this.limits.windowMs - now) / 1000));
    }
    return wait;
  }

  fail(email: string, address: string, now = Date.now()): void {
    for (const key of [`e:${email}`, `a:${address}`]) this.failures.set(key, [...this.recent(key, now), now]);
    // Bound memory under a flood of distinct emails: forget the oldest keys.
    while (this.failures.size > 50_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(email: string): void {
    this.failures.delete(`e:${email}`);
  }
}

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
  return ok && user ? user : undefined;
}

export function authRoutes(api: Api): void {
  const { db } = api.deps;
  const limiter = new LoginLimiter(api.deps.loginLimits ?? { perEmail: 5, perAddress: 100, windowMs: 15 * 60 * 1000 });

  route(
    api,
    {
      method: 'post',
      path: '/api/auth/login',
      tag: 'accounts',
      auth: false,
      summary: 'Exchange email and password for a bearer token (valid 12 hours)',
      description: 'Failed attempts are limited per email and per client address; past the limit the answer is 429 `rate_limited` with Retry-After.',
      body: LoginSchema,
      responses: {
        200: { description: 'the token (shown once) and the user', schema: z.object({ token: z.string(), expiresAt: z.string(), user: UserView }) },
        401: { description: 'wrong email or password (`invalid_credentials`)' },
        429: { description: 'too many failed attempts (`rate_limited`)' },
      },
    },
    async ({ req, res, body }) => {
      const email = normaliseEmail(body.email);
      const address = req.socket.remoteAddress ?? 'unknown';
      const wait = limiter.retryAfter(email, address);
      if (wait > 0) throw new ApiError(429, ApiErrorCode.rateLimited, `too many failed logins; try again in ${wait} s`, null, { 'Retry-After': String(wait) });
      const user = await checkPassword(db, email, body.password);
      if (!user) {
        limiter.fail(email, address);
        throw new ApiError(401, 'invalid_credentials', 'wrong email or password');
      }
      limiter.succeed(email);
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

  route(
    api,
    {
      method: 'get',
      path: '/api/tokens',
      tag: 'accounts',
      summary: "The caller's personal API tokens (masked), revoked ones included",
      responses: { 200: { description: 'tokens', schema: z.object({ tokens: z.array(TokenView) }) } },
    },
    async ({ res, user }) => {
      res.json({ tokens: (await listTokens(db, user.id, 'personal')).map(tokenView) });
    },
  );

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

  route(
    api,
    {
      method: 'delete',
      path: '/api/tokens/:id',
      tag: 'accounts',
      summary: "Revoke one of the caller's tokens",
      params: IdParam,
      notFoundMessage: 'no such token',
      responses: { 204: { description: 'revoked (again: still 204)' }, 404: { description: 'no such token of yours' } },
    },
    async ({ res, params, user }) => {
      if (!(await revokeToken(db, user.id, params.id))) throw new ApiError(404, ApiErrorCode.notFound, 'no such token');
      res.status(204).end();
    },
  );

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
