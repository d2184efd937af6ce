// Passwords and sessions over HTTP: change your password (ends your other sessions), an admin's reset of
// another user's password, and the caller's list of login sessions, each of which can be ended.
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../domain/credentials';
import { clearAttempts, reserveAttempt } from '../db/login-throttle';
import { DEFAULT_LOGIN_LIMITS } from '../domain/login-throttle';
import { getUser, listSessions, revokeSessions, revokeToken, setPasswordHash } from '../db/users';
import { ApiError, ApiErrorCode } from './errors';
import { removalRoute, requireAdmin, route, type Api } from './http';
import { IdParam, Password } from './schemas';

const ChangePasswordSchema = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: Password }).strict();
const ResetPasswordSchema = z.object({ password: Password }).strict();

const SessionView = z.object({
  id: z.string(),
  name: z.string().meta({ description: 'where the login came from' }),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  current: z.boolean().meta({ description: 'the session this request carries' }),
});

export function sessionRoutes(api: Api): void {
  const { db } = api.deps;
  const limits = api.deps.loginLimits ?? DEFAULT_LOGIN_LIMITS;

  route(
    api,
    {
      method: 'put',
      path: '/api/me/password',
      tag: 'accounts',
      summary: "Change the caller's password; every other login session of theirs ends",
      description: 'Personal API tokens stay valid (revoke them with DELETE /api/tokens/{id}).',
      body: ChangePasswordSchema,
      responses: {
        200: { description: 'changed', schema: z.object({ endedSessions: z.number() }) },
        403: { description: 'the current password is wrong (`invalid_credentials`)' },
        429: { description: 'too many wrong current passwords (`rate_limited`, the login throttle)' },
      },
    },
    async ({ res, body, user }) => {
      // A stolen session must not turn this route into an unlimited password oracle: same throttle as logins.
      const key = `${limits.scope ? `${limits.scope}:` : ''}pw:${user.id}`;
      const wait = await reserveAttempt(db, key, limits.perEmail, limits.forgetAfterMs);
      if (wait > 0) throw new ApiError(429, ApiErrorCode.rateLimited, `too many attempts; try again in ${wait} s`, null, { 'Retry-After': String(wait) });
      const row = await getUser(db, user.id);
      if (!row || !(await verifyPassword(body.currentPassword, row.password_hash))) {
        throw new ApiError(403, 'invalid_credentials', 'the current password is wrong', [{ path: 'currentPassword', message: 'does not match' }]);
      }
      await clearAttempts(db, key);
      await setPasswordHash(db, user.id, await hashPassword(body.newPassword));
      res.json({ endedSessions: await revokeSessions(db, user.id, user.tokenId) });
    },
  );

  route(
    api,
    {
      method: 'put',
      path: '/api/users/:id/password',
      tag: 'admin',
      summary: "Set another user's password (admins only); all of that user's login sessions end",
      params: IdParam,
      notFoundMessage: 'no such user',
      body: ResetPasswordSchema,
      responses: { 200: { description: 'reset', schema: z.object({ endedSessions: z.number() }) }, 403: { description: 'not an admin' }, 404: { description: 'no such user' } },
    },
    async ({ res, params, body, user }) => {
      requireAdmin(user);
      if (!(await setPasswordHash(db, params.id, await hashPassword(body.password)))) throw new ApiError(404, ApiErrorCode.notFound, 'no such user');
      res.json({ endedSessions: await revokeSessions(db, params.id) });
    },
  );

  route(
    api,
    { method: 'get', path: '/api/me/sessions', tag: 'accounts', summary: "The caller's live login sessions, newest first", responses: { 200: { description: 'sessions', schema: z.object({ sessions: z.array(SessionView) }) } } },
    async ({ res, user }) => {
      const sessions = await listSessions(db, user.id);
      res.json({
        sessions: sessions.map((s) => ({ id: s.id, name: s.name, createdAt: s.created_at, lastUsedAt: s.last_used_at, expiresAt: s.expires_at, current: s.id === user.tokenId })),
      });
    },
  );

  const ended = { path: '/api/me/sessions/:id', tag: 'accounts', summary: 'End one of the caller’s login sessions (this one included)', what: 'session', removed: 'ended' };
  removalRoute(api, ended, async (user, id) => (await listSessions(db, user.id)).some((s) => s.id === id) && (await revokeToken(db, user.id, id)));
}
