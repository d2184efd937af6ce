// Logins that cannot be out-guessed: attempts are counted in PostgreSQL before the password is checked
// (parallel guesses and several API processes share one count), behind a proxy the client is the one
// the proxy names, and the delay grows per email and client instead of locking the owner out.
// Argon2id hashes replace old ones at login; passwords change, admins reset them, sessions are listed
// and ended; `npm run users` takes a password on standard input.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import { DEFAULT_LOGIN_LIMITS } from '../../domain/login-throttle';
import { call } from '../support/http';
import { appOnStack, login, newTestUser, testAdminToken, testStack, type TestStack } from '../support/stack';

async function serve(stack: TestStack, scope: string, trustProxy: boolean | string[] = false): Promise<{ url: string; close: () => void }> {
  const app = appOnStack(stack, { loginLimits: { ...DEFAULT_LOGIN_LIMITS, scope }, config: { trustProxy } });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

async function attempt(base: string, email: string, password: string, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: number }> {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ email, password }) });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: Number(res.headers.get('retry-after') ?? 0) };
}

describe('logins, passwords and sessions', function () {
  this.timeout(300_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('30 parallel wrong guesses through two API instances sharing PostgreSQL: at most 5 are checked, the rest are 429', async () => {
    const u = await newTestUser(stack, 'parallel');
    const scope = `parallel-${process.pid}`;
    const [a, b] = [await serve(stack, scope), await serve(stack, scope)];
    try {
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(i % 2 ? a.url : b.url, u.email, `wrong-guess-${i}`)));
      const checked = results.filter((r) => r.status === 401).length;
      const limited = results.filter((r) => r.status === 429);
      assert.ok(checked >= 1 && checked <= DEFAULT_LOGIN_LIMITS.perEmail.free, `${checked} guesses were checked`);
      assert.equal(checked + limited.length, 30);
      console.log(`      30 parallel guesses over 2 API instances: ${checked} checked, ${limited.length} answered 429`);
      assert.ok(limited.every((r) => r.retryAfter > 0));
      // The right password now waits too, on either instance.
      assert.equal((await attempt(a.url, u.email, u.password)).status, 429);
      assert.equal((await attempt(b.url, u.email, u.password)).status, 429);
      const rows = await stack.db.selectFrom('login_throttle').select(['key', 'attempts']).where('key', 'like', `${scope}:e:%`).execute();
      assert.deepEqual(rows.map((r) => r.attempts), [checked], 'one count, kept in PostgreSQL');
    } finally {
      a.close();
      b.close();
    }
  });

  it('behind a trusted proxy, limits the client the proxy names; the delay grows; the owner elsewhere still logs in', async () => {
    const u = await newTestUser(stack, 'proxied');
    const scope = `proxy-${process.pid}`;
    const proxied = await serve(stack, scope, ['loopback']);
    const direct = await serve(stack, `${scope}-direct`);
    try {
      const attacker = { 'x-forwarded-for': '203.0.113.5' };
      for (let i = 0; i < 5; i++) assert.equal((await attempt(proxied.url, u.email, `guess-${i}-wrong`, attacker)).status, 401);
      const first = await attempt(proxied.url, u.email, u.password, attacker);
      assert.equal(first.status, 429);
      // The owner, from another client behind the same proxy, is not locked out.
      assert.equal((await attempt(proxied.url, u.email, u.password, { 'x-forwarded-for': '198.51.100.9' })).status, 200);
      // The wait passes (moved forward in the table rather than slept), one more guess, and the next wait is longer.
      await stack.db.updateTable('login_throttle').set({ next_allowed_at: sql`now()` }).where('key', 'like', `${scope}:e:%:203.0.113.5`).execute();
      assert.equal((await attempt(proxied.url, u.email, 'guess-again-wrong', attacker)).status, 401);
      const second = await attempt(proxied.url, u.email, u.password, attacker);
      assert.equal(second.status, 429);
      assert.ok(second.retryAfter > first.retryAfter, `the delay grew: ${first.retryAfter} s then ${second.retryAfter} s`);

      // Without a trusted proxy, a forged X-Forwarded-For does not make a new client.
      for (let i = 0; i < 5; i++) assert.equal((await attempt(direct.url, u.email, `guess-${i}-wrong`, { 'x-forwarded-for': `192.0.2.${i}` })).status, 401);
      assert.equal((await attempt(direct.url, u.email, u.password, { 'x-forwarded-for': '192.0.2.99' })).status, 429);
    } finally {
      proxied.close();
      direct.close();
    }
  });

  it('upgrades an old scrypt hash to Argon2id at the next successful login', async () => {
    const email = `legacy-${process.pid}@bolt.test`;
    const password = 'legacy-password-1';
    const salt = randomBytes(16);
    const key = scryptSync(password, salt, 32, { N: 32768, r: 8, p: 1, maxmem: 128 * 32768 * 8 * 2 });
    const oldHash = ['scrypt', 32768, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
    await stack.db.insertInto('users').values({ id: (await import('node:crypto')).randomUUID(), email, password_hash: oldHash, role: 'member' }).execute();
    assert.ok(await login(stack, email, password));
    const row = await stack.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    assert.match(row.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(await login(stack, email, password), 'the upgraded hash verifies');
  });

  it('changes a password (ending the other sessions), lists and ends sessions, and lets admins reset passwords', async () => {
    const u = await newTestUser(stack, 'sessions');
    const other = await login(stack, u.email, u.password);
    const list = await call(stack, u.token, 'GET', '/api/me/sessions');
    assert.equal(list.status, 200);
    assert.equal(list.json.sessions.length, 2);
    assert.equal(list.json.sessions.filter((s: { current: boolean }) => s.current).length, 1);
    assert.ok(!list.text.includes(u.token) && !list.text.includes(other));

    const wrong = await call(stack, u.token, 'PUT', '/api/me/password', { currentPassword: 'not-it-at-all', newPassword: 'brand-new-password' });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.json.error.code, 'invalid_credentials');
    const short = await call(stack, u.token, 'PUT', '/api/me/password', { currentPassword: u.password, newPassword: 'short' });
    assert.equal(short.json.error.code, 'validation_error');
    const changed = await call(stack, u.token, 'PUT', '/api/me/password', { currentPassword: u.password, newPassword: 'brand-new-password' });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json.endedSessions, 1);
    assert.equal((await call(stack, other, 'GET', '/api/me')).status, 401, 'the other session ended');
    assert.equal((await call(stack, u.token, 'GET', '/api/me')).status, 200, 'this one goes on');
    await assert.rejects(login(stack, u.email, u.password));
    const fresh = await login(stack, u.email, 'brand-new-password');

    // Ending a session: another user's is not found, one's own ends.
    const stranger = await newTestUser(stack, 'stranger');
    const freshId = (await call(stack, fresh, 'GET', '/api/me/sessions')).json.sessions.find((s: { current: boolean }) => s.current).id;
    assert.equal((await call(stack, stranger.token, 'DELETE', `/api/me/sessions/${freshId}`)).status, 404);
    assert.equal((await call(stack, u.token, 'DELETE', `/api/me/sessions/${freshId}`)).status, 204);
    assert.equal((await call(stack, fresh, 'GET', '/api/me')).status, 401);
    assert.equal((await call(stack, u.token, 'DELETE', `/api/me/sessions/${freshId}`)).status, 404, 'already ended');

    // Admin reset.
    assert.equal((await call(stack, stranger.token, 'PUT', `/api/users/${u.id}/password`, { password: 'set-by-admin-1' })).status, 403);
    const admin = await testAdminToken(stack);
    assert.equal((await call(stack, admin, 'PUT', '/api/users/00000000-0000-4000-8000-000000000000/password', { password: 'set-by-admin-1' })).status, 404);
    const reset = await call(stack, admin, 'PUT', `/api/users/${u.id}/password`, { password: 'set-by-admin-1' });
    assert.equal(reset.status, 200, reset.text);
    assert.equal((await call(stack, u.token, 'GET', '/api/me')).status, 401, 'every session of the user ended');
    assert.ok(await login(stack, u.email, 'set-by-admin-1'));
  });

  it('throttles guesses of the current password on PUT /api/me/password like logins', async () => {
    const u = await newTestUser(stack, 'pwguess');
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => call(stack, u.token, 'PUT', '/api/me/password', { currentPassword: `guess-${i}-wrong`, newPassword: 'never-set-password' })));
    const checked = answers.filter((a) => a.status === 403).length;
    assert.ok(checked >= 1 && checked <= DEFAULT_LOGIN_LIMITS.perEmail.free, `${checked} guesses checked`);
    assert.equal(answers.filter((a) => a.status === 429).length, 12 - checked);
    assert.ok(await login(stack, u.email, u.password), 'the password did not change');
  });

  it('`npm run users` reads the password from standard input with --password -', async function () {
    this.timeout(180_000);
    const run = (input: string, ...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [require.resolve('tsx/cli'), path.join(__dirname, '../../scripts/users-cli.ts'), ...args],
          { env: { ...process.env, DATABASE_URL: stack.postgres.url }, encoding: 'utf8' },
          (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
        );
        child.stdin!.end(input);
      });
    const email = `stdin-${process.pid}@bolt.test`;
    const created = await run('stdin-password-1\n', 'create', '--email', email, '--password', '-');
    assert.equal(created.status, 0, created.stderr);
    assert.ok(await login(stack, email, 'stdin-password-1'));
    const short = await run('short\n', 'create', '--email', `x${email}`, '--password', '-');
    assert.notEqual(short.status, 0);
    assert.match(short.stderr, /at least 8/);
    const changed = await run('stdin-password-2\n', 'password', '--email', email, '--password', '-');
    assert.equal(changed.status, 0, changed.stderr);
    assert.ok(await login(stack, email, 'stdin-password-2'));
    assert.notEqual((await run('whatever-long\n', 'password', '--email', `nobody-${email}`, '--password', '-')).status, 0);
  });
});
