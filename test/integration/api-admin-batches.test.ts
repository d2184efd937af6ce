// Admins see and steer every user's batches; members still get 404 on others'. Deleting a user cancels
// their running batches, keeps their rows (marked), and ends their logins and tokens.
import assert from 'node:assert/strict';
import { call } from '../support/http';
import { eventually, login, newTestUser, testAdminToken, testStack, type TestStack } from '../support/stack';

const titles = (n: number, label: string) => Array.from({ length: n }, (_, i) => `${label} number ${i + 1}`);
const oneLanguage = [{ language: 'en-US', voice: 'en-US-Neural2-C' }];

describe('API admin view and steering of batches, deleted users', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let admin: string;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    admin = await testAdminToken(stack);
  });

  const slowBatch = async (token: string, label: string) => {
    const r = await call(stack, token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(12, label), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
    assert.equal(r.status, 201, r.text);
    const id = r.json.batch.id as string;
    // One job at a time, so the batch is still running while the test steers it.
    assert.equal((await call(stack, token, 'POST', `/api/batches/${id}/concurrency`, { window: 1 })).status, 202);
    return id;
  };

  it("lists and steers another user's batch as an admin, never as a member", async () => {
    const owner = await newTestUser(stack, 'owner');
    const member = await newTestUser(stack, 'member');
    const id = await slowBatch(owner.token, 'Steered by an admin');

    for (const path of [`/api/batches/${id}`, `/api/batches/${id}/jobs`, `/api/batches/${id}/webhooks`]) {
      assert.equal((await call(stack, member.token, 'GET', path)).status, 404, path);
    }
    for (const action of ['pause', 'resume', 'cancel', 'retry-failed']) {
      assert.equal((await call(stack, member.token, 'POST', `/api/batches/${id}/${action}`)).status, 404, action);
    }
    const memberAll = await call(stack, member.token, 'GET', '/api/batches?all=true');
    assert.equal(memberAll.status, 403);
    assert.equal((await call(stack, member.token, 'GET', `/api/batches?userId=${owner.id}`)).status, 403);
    assert.equal((await call(stack, member.token, 'GET', '/api/batches')).json.total, 0, "the member's own list is empty");

    const all = await call(stack, admin, 'GET', '/api/batches?all=true&pageSize=200');
    assert.equal(all.status, 200, all.text);
    assert.ok(all.json.batches.some((b: { id: string }) => b.id === id));
    const one = await call(stack, admin, 'GET', `/api/batches?userId=${owner.id}`);
    assert.deepEqual(
      one.json.batches.map((b: { id: string; userId: string }) => [b.id, b.userId]),
      [[id, owner.id]],
    );
    assert.equal((await call(stack, admin, 'GET', `/api/batches/${id}`)).json.batch.userId, owner.id);

    const paused = await call(stack, admin, 'POST', `/api/batches/${id}/pause`);
    assert.equal(paused.status, 202, paused.text);
    await eventually(async () => (await call(stack, owner.token, 'GET', `/api/batches/${id}`)).json.batch.status === 'paused', 'the owner to see the pause', 60_000);
    assert.equal((await call(stack, admin, 'POST', `/api/batches/${id}/cancel`)).status, 202);
    const done = await eventually(async () => {
      const b = (await call(stack, owner.token, 'GET', `/api/batches/${id}`)).json.batch;
      return b.status === 'cancelled' ? b : undefined;
    }, 'the admin-cancelled batch to be cancelled', 120_000);
    assert.ok(done.counts.cancelled > 0);
  });

  it('deleting a user cancels their running batches, keeps their rows and ends their access', async () => {
    const doomed = await newTestUser(stack, 'doomed');
    const id = await slowBatch(doomed.token, 'Owner is deleted');
    const personal = await call(stack, doomed.token, 'POST', '/api/tokens', { name: 'ci' });
    assert.equal(personal.status, 201);
    await eventually(async () => (await call(stack, doomed.token, 'GET', `/api/batches/${id}`)).json.batch.counts.completed >= 1, 'a first job to complete', 120_000);

    const del = await call(stack, admin, 'DELETE', `/api/users/${doomed.id}`);
    assert.equal(del.status, 204, del.text);
    for (const token of [doomed.token, personal.json.token]) {
      const r = await call(stack, token, 'GET', '/api/me');
      assert.equal(r.status, 401, 'tokens of a deleted user stop working');
    }
    await assert.rejects(login(stack, doomed.email, doomed.password), /401/);
    const b = await eventually(async () => {
      const x = (await call(stack, admin, 'GET', `/api/batches/${id}`)).json.batch;
      return x.status === 'cancelled' ? x : undefined;
    }, "the deleted user's batch to be cancelled", 120_000);
    assert.equal(b.userId, doomed.id, 'the batch keeps its owner');
    assert.ok(b.counts.completed >= 1, 'finished work stays');
    assert.equal(b.counts.queued + b.counts.running, 0);
    const row = await stack.db.selectFrom('users').select(['deleted_at', 'email']).where('id', '=', doomed.id).executeTakeFirstOrThrow();
    assert.ok(row.deleted_at instanceof Date, 'the user row stays, marked deleted');
    const jobs = await stack.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(Number(jobs.n), 12);

    assert.equal((await call(stack, admin, 'DELETE', `/api/users/${doomed.id}`)).status, 404, 'deleted once');
    assert.equal((await call(stack, admin, 'GET', `/api/users/${doomed.id}/limits`)).status, 404);
    const users = (await call(stack, admin, 'GET', '/api/users')).json.users as Array<{ id: string }>;
    assert.ok(!users.some((u) => u.id === doomed.id), 'not listed among users');
    // The email is free again: a new account gets it, with a new id and nothing of the old one's.
    const again = await call(stack, admin, 'POST', '/api/users', { email: doomed.email, password: 'a-new-password-1' });
    assert.equal(again.status, 201, again.text);
    assert.notEqual(again.json.user.id, doomed.id);
    const newToken = await login(stack, doomed.email, 'a-new-password-1');
    assert.equal((await call(stack, newToken, 'GET', `/api/batches/${id}`)).status, 404);
  });
});
