// Accounts through real HTTP: login, rate limiting, tokens (hashed, masked, revocable), admin user
// management, the first-admin bootstrap and the `npm run users` CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Kysely, type Kysely as KyselyType } from 'kysely';
import pg from 'pg';
import { createDb } from '../../db/connection';
import { migrateToLatest } from '../../db/migrator';
import type { Database } from '../../db/schema';
import { ensureFirstAdmin } from '../../db/users';
import { tokenHash, verifyPassword } from '../../domain/credentials';
import { call } from '../support/http';
import { login, newTestUser, TEST_ADMIN, testAdminToken, testStack, type TestStack } from '../support/stack';

describe('API accounts', function () {
  let stack: TestStack;
  let admin: string;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    admin = await testAdminToken(stack);
  });

  it('logs in with the first admin from BOLT_ADMIN_EMAIL/PASSWORD and answers /api/me', async () => {
    const r = await call(stack, undefined, 'POST', '/api/auth/login', { email: TEST_ADMIN.email.toUpperCase(), password: TEST_ADMIN.password });
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.token, /^bolt_[A-Za-z0-9_-]{40,}$/);
    assert.equal(r.json.user.role, 'admin');
    const me = await call(stack, r.json.token, 'GET', '/api/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.user.email, TEST_ADMIN.email);
  });

  it('refuses requests without a valid token with 401 unauthorized', async () => {
    for (const token of [undefined, 'bolt_notarealtokenatallreally', 'x']) {
      const r = await call(stack, token, 'GET', '/api/batches');
      assert.equal(r.status, 401, r.text);
      assert.equal(r.json.error.code, 'unauthorized');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    }
    const malformed = await call(stack, undefined, 'GET', '/api/me', undefined, { authorization: 'Basic YWRtaW46YWRtaW4=' });
    assert.equal(malformed.status, 401);
  });

  it('answers a wrong password with 401 invalid_credentials and a malformed body with 400', async () => {
    const wrong = await call(stack, undefined, 'POST', '/api/auth/login', { email: 'nobody@bolt.test', password: 'whatever1' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, 'invalid_credentials');
    // The generated first admin is admin@localhost: its address must reach the password check, not fail validation.
    const local = await call(stack, undefined, 'POST', '/api/auth/login', { email: 'admin@localhost', password: 'whatever1' });
    assert.equal(local.status, 401, local.text);
    assert.equal(local.json.error.code, 'invalid_credentials');
    const bad = await call(stack, undefined, 'POST', '/api/auth/login', { email: 'not-an-email' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'validation_error');
    assert.deepEqual(bad.json.error.details.map((d: { path: string }) => d.path).sort(), ['email', 'password']);
  });

  it('rate-limits failed logins per email: the 6th attempt is 429 even with the right password', async () => {
    const u = await newTestUser(stack, 'limited');
    for (let i = 0; i < 5; i++) {
      const r = await call(stack, undefined, 'POST', '/api/auth/login', { email: u.email, password: `wrong-${i}-password` });
      assert.equal(r.status, 401, `attempt ${i + 1}`);
    }
    const blocked = await call(stack, undefined, 'POST', '/api/auth/login', { email: u.email, password: u.password });
    assert.equal(blocked.status, 429, blocked.text);
    assert.equal(blocked.json.error.code, 'rate_limited');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    // Other accounts are not affected.
    const other = await newTestUser(stack, 'unaffected');
    assert.ok(await login(stack, other.email, other.password));
  });

  it('creates, lists (masked), uses and revokes personal API tokens; only hashes are stored', async () => {
    const u = await newTestUser(stack, 'tokens');
    const created = await call(stack, u.token, 'POST', '/api/tokens', { name: 'ci', expiresInDays: 30 });
    assert.equal(created.status, 201, created.text);
    const token: string = created.json.token;
    assert.match(token, /^bolt_/);
    assert.equal(created.json.record.name, 'ci');
    assert.ok(!created.json.record.token.includes(token.slice(12)), 'the record shows only a prefix');

    const list = await call(stack, token, 'GET', '/api/tokens');
    assert.equal(list.status, 200);
    assert.equal(list.json.tokens.length, 1);
    assert.ok(!list.text.includes(token), 'a listing never contains a whole token');

    const rows = await stack.db.selectFrom('api_tokens').select(['token_hash']).where('user_id', '=', u.id).execute();
    assert.ok(rows.some((r) => r.token_hash === tokenHash(token)));
    assert.ok(rows.every((r) => r.token_hash !== token && !r.token_hash.startsWith('bolt_')));
    const user = await stack.db.selectFrom('users').selectAll().where('id', '=', u.id).executeTakeFirstOrThrow();
    assert.match(user.password_hash, /^\$argon2id\$/);
    assert.ok(await verifyPassword(u.password, user.password_hash));

    const revoked = await call(stack, u.token, 'DELETE', `/api/tokens/${created.json.record.id}`);
    assert.equal(revoked.status, 204);
    assert.equal((await call(stack, token, 'GET', '/api/me')).status, 401);
    const again = await call(stack, u.token, 'GET', '/api/tokens');
    assert.ok(again.json.tokens[0].revokedAt);

    const badBody = await call(stack, u.token, 'POST', '/api/tokens', { name: '', extra: 1 });
    assert.equal(badBody.status, 400);
    assert.equal(badBody.json.error.code, 'validation_error');
    const missing = await call(stack, u.token, 'DELETE', '/api/tokens/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'not_found');
  });

  it('logs out by revoking the session token', async () => {
    const u = await newTestUser(stack, 'logout');
    assert.equal((await call(stack, u.token, 'POST', '/api/auth/logout')).status, 204);
    assert.equal((await call(stack, u.token, 'GET', '/api/me')).status, 401);
  });

  it('lets admins manage users and forbids members', async () => {
    const member = await newTestUser(stack, 'member');
    const forbidden = await call(stack, member.token, 'GET', '/api/users');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.json.error.code, 'forbidden');
    assert.equal((await call(stack, member.token, 'POST', '/api/users', { email: 'x@bolt.test', password: 'long-enough-1' })).status, 403);

    const list = await call(stack, admin, 'GET', '/api/users');
    assert.equal(list.status, 200);
    assert.ok(list.json.users.some((u: { email: string }) => u.email === member.email));
    assert.ok(!list.text.includes('scrypt'), 'no password hash in the answer');
    const dup = await call(stack, admin, 'POST', '/api/users', { email: member.email, password: 'long-enough-2' });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.error.code, 'conflict');
    const short = await call(stack, admin, 'POST', '/api/users', { email: 'short@bolt.test', password: 'short' });
    assert.equal(short.status, 400);
    assert.equal(short.json.error.code, 'validation_error');

    const gone = await newTestUser(stack, 'gone');
    assert.equal((await call(stack, admin, 'DELETE', `/api/users/${gone.id}`)).status, 204);
    assert.equal((await call(stack, gone.token, 'GET', '/api/me')).status, 401, 'a deleted user’s tokens stop working');
    assert.equal((await call(stack, admin, 'DELETE', `/api/users/${gone.id}`)).status, 404);
    const me = await call(stack, admin, 'GET', '/api/me');
    assert.equal((await call(stack, admin, 'DELETE', `/api/users/${me.json.user.id}`)).status, 409);
  });

  it('creates the first admin on an empty database, with a generated password when none is configured', async () => {
    const name = `bolt_bootstrap_${process.pid}`;
    const adminUrl = stack.postgres.url.replace(/\/[^/?]+(\?|$)/, '/postgres$1');
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists ${name}`);
    await c.query(`create database ${name}`);
    let db: KyselyType<Database> | undefined;
    try {
      db = createDb(stack.postgres.url.replace(/\/[^/?]+(\?|$)/, `/${name}$1`), 2);
      await migrateToLatest(db as Kysely<unknown>);
      const first = await ensureFirstAdmin(db, { generatePassword: () => 'generated-password-123' });
      assert.ok(first.created);
      assert.equal(first.created && first.generatedPassword, 'generated-password-123');
      const row = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.role, 'admin');
      assert.ok(await verifyPassword('generated-password-123', row.password_hash));
      const second = await ensureFirstAdmin(db, { generatePassword: () => 'another-password-456' });
      assert.equal(second.created, false, 'only on the first start');
    } finally {
      await db?.destroy();
      await c.query(`drop database if exists ${name}`);
      await c.end();
    }
  });

  it('`npm run users -- create` adds a user, validates its arguments and exits non-zero on errors', async function () {
    this.timeout(120_000);
    // Asynchronous on purpose: the API under test runs in this process and must keep answering.
    const run = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [require.resolve('tsx/cli'), path.join(__dirname, '../../scripts/users-cli.ts'), ...args],
          { env: { ...process.env, DATABASE_URL: stack.postgres.url }, encoding: 'utf8' },
          (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
        );
      });
    const email = `cli-${process.pid}@bolt.test`;
    const ok = await run('create', '--email', email, '--password', 'cli-password-1', '--admin');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /created admin/);
    assert.ok(!ok.stdout.includes('cli-password-1'), 'the password is not echoed');
    const dup = await run('create', '--email', email, '--password', 'cli-password-1');
    assert.notEqual(dup.status, 0);
    assert.match(dup.stderr, /already exists/);
    const badEmail = await run('create', '--email', 'nope', '--password', 'cli-password-1');
    assert.notEqual(badEmail.status, 0);
    assert.match(badEmail.stderr, /email/);
    const shortPw = await run('create', '--email', `x${email}`, '--password', 'short');
    assert.notEqual(shortPw.status, 0);
    assert.match(shortPw.stderr, /at least 8/);
    const unknown = await run('create', '--email', `y${email}`, '--password', 'cli-password-1', '--root');
    assert.notEqual(unknown.status, 0);
    assert.notEqual((await run('frobnicate')).status, 0);
    assert.ok(await login(stack, email, 'cli-password-1'));
  });
});

describe('API key pool administration', function () {
  let stack: TestStack;
  let admin: string;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    admin = await testAdminToken(stack);
  });

  it('lists the pool masked, disables, enables and removes keys, for admins only', async () => {
    const list = await call(stack, admin, 'GET', '/api/keys');
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.keys.length >= 1, 'the simulator keys are in the pool');
    for (const k of list.json.keys) assert.match(k.key, /^….{4}$/);
    const rows = await stack.db.selectFrom('api_keys').select(['id', 'last4']).execute();
    assert.ok(!list.text.includes('"secret"') && !list.text.includes('lookup_hash'));
    const member = await newTestUser(stack, 'keys-member');
    assert.equal((await call(stack, member.token, 'GET', '/api/keys')).status, 403);
    const id = rows[0]!.id;
    assert.equal((await call(stack, member.token, 'POST', `/api/keys/${id}/disable`, {})).status, 403);
    assert.equal((await call(stack, admin, 'GET', '/api/keys?service=openai')).json.error.code, 'validation_error');

    // A key added for this test only, so disabling and removing it does not disturb other tests.
    const extra = await stack.db
      .insertInto('api_keys')
      .values({ ...(await stack.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow()), id: '00000000-0000-4000-8000-0000000000aa', lookup_hash: `test-${process.pid}`, label: 'api test' } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    assert.equal((await call(stack, admin, 'POST', `/api/keys/${extra.id}/disable`, { reason: 'testing' })).status, 204);
    const disabled = (await call(stack, admin, 'GET', '/api/keys?status=disabled')).json.keys.find((k: { id: string }) => k.id === extra.id);
    assert.equal(disabled.disabledReason, 'testing');
    assert.equal((await call(stack, admin, 'POST', `/api/keys/${extra.id}/enable`)).status, 204);
    assert.equal((await call(stack, admin, 'DELETE', `/api/keys/${extra.id}`)).status, 204);
    assert.equal((await call(stack, admin, 'DELETE', `/api/keys/${extra.id}`)).status, 404);
  });
});
