// Batch controls through the API, checked by their real effect on the workflow and the rows:
// set-concurrency, pause and resume, cancel, retry-failed; and their validation and state errors.
import assert from 'node:assert/strict';
import { progressQuery } from '../../workflows/definitions';
import { call } from '../support/http';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';

const titles = (n: number, label: string) => Array.from({ length: n }, (_, i) => `${label} number ${i + 1}`);
const oneLanguage = [{ language: 'en-US', voice: 'en-US-Neural2-C' }];

describe('API batch controls', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let user: { token: string };

  const batch = async (id: string) => (await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch;
  const until = (id: string, what: string, ok: (b: any) => boolean) => eventually(async () => ((b) => (ok(b) ? b : undefined))(await batch(id)), what, 120_000, 100); // eslint-disable-line @typescript-eslint/no-explicit-any

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    user = await newTestUser(stack, 'controls');
  });

  it('sets concurrency, pauses (no job runs while paused) and resumes to completion', async () => {
    const created = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(6, 'Paused topic'), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
    const id = created.json.batch.id;
    const c = await call(stack, user.token, 'POST', `/api/batches/${id}/concurrency`, { window: 1 });
    assert.equal(c.status, 202, c.text);
    assert.equal(c.json.window, 1);
    const p = await call(stack, user.token, 'POST', `/api/batches/${id}/pause`);
    assert.equal(p.status, 202, p.text);
    assert.equal(p.json.action, 'pause');
    const paused = await until(id, 'the batch to be paused with nothing running', (b) => b.status === 'paused' && b.counts.running === 0);
    // The workflow sees its last child end a moment after the job's row says so.
    const state = await eventually(async () => {
      const s = await stack.client.workflow.getHandle(created.json.batch.workflowId).query(progressQuery);
      return s.running === 0 ? s : undefined;
    }, 'the workflow to have no child running', 30_000);
    assert.equal(state.paused, true);
    assert.equal(state.window, 1);
    assert.ok(paused.counts.completed < 6, 'paused before the end');
    const r = await call(stack, user.token, 'POST', `/api/batches/${id}/resume`, {});
    assert.equal(r.status, 202);
    const done = await until(id, 'the resumed batch to complete', (b) => b.status === 'completed');
    assert.equal(done.counts.completed, 6);
    for (const action of ['pause', 'resume', 'cancel']) {
      const late = await call(stack, user.token, 'POST', `/api/batches/${id}/${action}`);
      assert.equal(late.status, 409, action);
      assert.equal(late.json.error.code, 'conflict');
    }
    assert.equal((await call(stack, user.token, 'POST', `/api/batches/${id}/concurrency`, { window: 3 })).status, 409);
    const none = await call(stack, user.token, 'POST', `/api/batches/${id}/retry-failed`);
    assert.equal(none.status, 409, 'nothing failed, nothing to retry');
  });

  it('cancels a running batch: queued jobs never start', async () => {
    const created = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(8, 'Cancelled topic'), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
    const id = created.json.batch.id;
    await call(stack, user.token, 'POST', `/api/batches/${id}/concurrency`, { window: 1 });
    const c = await call(stack, user.token, 'POST', `/api/batches/${id}/cancel`);
    assert.equal(c.status, 202, c.text);
    const done = await until(id, 'the batch to be cancelled', (b) => b.status === 'cancelled');
    assert.ok(done.counts.cancelled > 0);
    assert.equal(done.counts.queued + done.counts.running, 0);
    assert.equal(done.counts.completed + done.counts.failed + done.counts.cancelled, 8);
    // The books close just before the workflow ends as cancelled.
    await eventually(
      async () => (await stack.client.workflow.getHandle(created.json.batch.workflowId).describe()).status.name === 'CANCELLED',
      'the workflow to end as cancelled',
      30_000,
    );
  });

  it('retries failed jobs of a finished batch as new attempts', async () => {
    const created = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(2, 'Retried topic'), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
    const id = created.json.batch.id;
    await until(id, 'the batch to finish', (b) => b.status === 'completed');
    // Mark one job failed, as a provider failure would have (row and counters together).
    const victim = (await call(stack, user.token, 'GET', `/api/batches/${id}/jobs?pageSize=1`)).json.jobs[0];
    await stack.db.transaction().execute(async (trx) => {
      await trx.updateTable('jobs').set({ status: 'failed', error_stage: 'synthesis', error_code: 'provider_unavailable', error_message: 'injected by the test' }).where('id', '=', victim.id).execute();
      await trx.updateTable('batches').set((eb) => ({ completed: eb('completed', '-', 1), failed: eb('failed', '+', 1) })).where('id', '=', id).execute();
    });
    assert.equal((await batch(id)).counts.failed, 1);

    const r = await call(stack, user.token, 'POST', `/api/batches/${id}/retry-failed`);
    assert.equal(r.status, 202, r.text);
    assert.equal(r.json.failed, 1);
    const again = await eventually(async () => {
      const j = (await call(stack, user.token, 'GET', `/api/jobs/${victim.id}`)).json.job;
      return j.status === 'completed' && j.attempts === 2 ? j : undefined;
    }, 'the failed job to run again and complete', 120_000);
    assert.equal(again.error, null);
    const after = await until(id, 'the batch to finish again', (b) => b.status === 'completed' && b.counts.failed === 0);
    assert.equal(after.counts.completed, 2);
  });

  it('validates control requests', async () => {
    const created = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(2, 'Validated topic'), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
    const id = created.json.batch.id;
    for (const body of [{ window: 0 }, { window: 1001 }, { window: 'ten' }, { window: 2.5 }, {}, { window: 2, extra: true }]) {
      const r = await call(stack, user.token, 'POST', `/api/batches/${id}/concurrency`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, 'validation_error');
    }
    const withBody = await call(stack, user.token, 'POST', `/api/batches/${id}/pause`, { now: true });
    assert.equal(withBody.status, 400);
    assert.equal(withBody.json.error.code, 'validation_error');
    assert.equal((await call(stack, user.token, 'POST', '/api/batches/not-an-id/pause')).status, 404);
    assert.equal((await call(stack, undefined, 'POST', `/api/batches/${id}/pause`)).status, 401);
    await until(id, 'the batch to complete', (b) => b.status === 'completed');
  });
});
