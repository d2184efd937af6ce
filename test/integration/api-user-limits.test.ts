// Bounded work per user, over real HTTP on the real stack: the jobs-per-batch maximum, limits set by
// admins (refused launches naming the limit, jobs that wait with the reason shown and never fail),
// the default budget, and the time to accept a batch of 20,000 jobs.
import assert from 'node:assert/strict';
import { shippedCatalog } from '../../domain/catalog';
import { call, smallBatch } from '../support/http';
import { eventually, newTestUser, testAdminToken, testStack, type TestStack } from '../support/stack';

const titles = (n: number, label: string) => Array.from({ length: n }, (_, i) => `${label} number ${i + 1}`);
const oneLanguage = [{ language: 'en-US', voice: 'en-US-Neural2-C' }];
/** `n` languages of the shipped catalog, each with one of its voices (the API checks voices exist). */
const manyLanguages = (n: number) => {
  const { catalog } = shippedCatalog();
  return catalog.languages.slice(0, n).map((language) => ({ language, voice: catalog.byLanguage.get(language)![0]!.name }));
};
const NONE = { jobsPerDay: null, runningJobs: null, spendPerDayUsd: null, defaultBudgetUsd: null };

describe('API per-user limits', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let admin: string;

  const batchCount = async () => Number((await stack.db.selectFrom('batches').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const setLimits = async (userId: string, limits: Record<string, unknown>) => {
    const r = await call(stack, admin, 'PUT', `/api/users/${userId}/limits`, { ...NONE, ...limits });
    assert.equal(r.status, 200, r.text);
    return r.json;
  };

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    admin = await testAdminToken(stack);
  });

  it('refuses a batch over the jobs-per-batch maximum before writing anything', async () => {
    const user = await newTestUser(stack, 'maxjobs');
    const before = await batchCount();
    // 1,000 titles × 21 languages = 21,000 jobs > 20,000.
    const languages = manyLanguages(21);
    const r = await call(stack, user.token, 'POST', '/api/batches', { mode: 'matrix', titles: titles(1000, 'Too many'), languages });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'validation_error');
    assert.match(JSON.stringify(r.json.error.details), /21000 jobs.*at most 20000/);
    assert.equal(await batchCount(), before, 'no batch row written');
  });

  it('accepts a batch of 20,000 jobs quickly, with every job row written', async () => {
    const user = await newTestUser(stack, 'bigbatch');
    const languages = manyLanguages(20);
    const body = { mode: 'matrix', titles: titles(1000, 'Big batch title'), languages, agent: { targetMinutes: 0.1 } };
    const started = process.hrtime.bigint();
    const r = await call(stack, user.token, 'POST', '/api/batches', body);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(r.status, 201, r.text);
    console.log(`      POST /api/batches with 20,000 jobs answered in ${ms.toFixed(0)} ms (Server-Timing: ${r.headers.get('server-timing')})`);
    const id = r.json.batch.id;
    assert.equal(r.json.batch.counts.total, 20_000);
    // The rows are written by the batch workflow's first activity, in chunks.
    await eventually(async () => {
      const rows = await stack.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', '=', id).executeTakeFirstOrThrow();
      return Number(rows.n) === 20_000;
    }, 'the 20,000 job rows to be written', 120_000);
    const seqs = await stack.db.selectFrom('jobs').select((eb) => [eb.fn.min<number>('seq').as('lo'), eb.fn.max<number>('seq').as('hi')]).where('batch_id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual([Number(seqs.lo), Number(seqs.hi)], [0, 19_999]);
    // Not run to the end here: cancelled, its queued jobs never start.
    assert.equal((await call(stack, user.token, 'POST', `/api/batches/${id}/cancel`)).status, 202);
    const cancelled = await eventually(async () => ((b) => (b.status === 'cancelled' ? b : undefined))((await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch), 'the big batch to be cancelled', 120_000);
    assert.equal(cancelled.counts.queued, 0);
    assert.equal(cancelled.counts.completed + cancelled.counts.failed + cancelled.counts.cancelled, 20_000);
  });

  it('lets only admins read and set limits, and validates them', async () => {
    const user = await newTestUser(stack, 'limits');
    const other = await newTestUser(stack, 'limits-other');
    const initial = await call(stack, admin, 'GET', `/api/users/${user.id}/limits`);
    assert.equal(initial.status, 200, initial.text);
    assert.deepEqual(initial.json.limits, NONE);
    assert.equal(initial.json.today.jobsStarted, 0);
    for (const token of [user.token, other.token]) {
      assert.equal((await call(stack, token, 'GET', `/api/users/${user.id}/limits`)).status, 403);
      assert.equal((await call(stack, token, 'PUT', `/api/users/${user.id}/limits`, NONE)).status, 403);
    }
    assert.equal((await call(stack, admin, 'GET', '/api/users/00000000-0000-4000-8000-000000000000/limits')).status, 404);
    assert.equal((await call(stack, admin, 'PUT', '/api/users/00000000-0000-4000-8000-000000000000/limits', NONE)).status, 404);
    for (const bad of [{ jobsPerDay: 0 }, { runningJobs: 1.5 }, { spendPerDayUsd: -1 }, { defaultBudgetUsd: 'ten' }, { jobsPerDay: 5, extra: 1 }]) {
      const r = await call(stack, admin, 'PUT', `/api/users/${user.id}/limits`, bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.json.error.code, 'validation_error');
    }
    assert.deepEqual((await call(stack, admin, 'GET', `/api/users/${user.id}/limits`)).json.limits, NONE, 'refused requests changed nothing');
    const set = await setLimits(user.id, { jobsPerDay: 50, runningJobs: 4, spendPerDayUsd: 12.5, defaultBudgetUsd: 3 });
    assert.deepEqual(set.limits, { jobsPerDay: 50, runningJobs: 4, spendPerDayUsd: 12.5, defaultBudgetUsd: 3 });
  });

  it('refuses launches over the daily limits with an error naming the limit, and applies the default budget', async () => {
    const user = await newTestUser(stack, 'launch');
    await setLimits(user.id, { jobsPerDay: 3, defaultBudgetUsd: 7 });
    const before = await batchCount();
    const over = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(4, 'Over the day'), languages: oneLanguage });
    assert.equal(over.status, 429, over.text);
    assert.equal(over.json.error.code, 'limit_exceeded');
    assert.equal(over.json.error.details.limit, 'jobsPerDay');
    assert.match(over.json.error.message, /3 jobs per day/);
    assert.equal(await batchCount(), before);
    const ok = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(2, 'Within the day'), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.batch.budgetUsd, 7, 'a batch without a budget gets the default one');
    // 2 queued or started of 3: a second batch of 2 does not fit today.
    const second = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(2, 'Second of the day'), languages: oneLanguage });
    assert.equal(second.status, 429, second.text);

    await eventually(async () => (await call(stack, user.token, 'GET', `/api/batches/${ok.json.batch.id}`)).json.batch.status === 'completed', 'the batch within the limit to complete', 120_000);
    await setLimits(user.id, { spendPerDayUsd: 0.000001 });
    const spend = await call(stack, user.token, 'POST', '/api/batches', smallBatch());
    assert.equal(spend.status, 429, spend.text);
    assert.equal(spend.json.error.details.limit, 'spendPerDayUsd');
    assert.match(spend.json.error.message, /spend per day/);
  });

  it('holds jobs back at the running-jobs limit, shows why, and fails none', async () => {
    const user = await newTestUser(stack, 'running');
    await setLimits(user.id, { runningJobs: 1 });
    const created = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(4, 'One at a time'), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
    assert.equal(created.status, 201, created.text);
    const id = created.json.batch.id;
    // A second batch of the same user shares the one slot.
    const second = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(3, 'Shares the slot'), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
    const id2 = second.json.batch.id;
    let maxRunning = 0;
    const reasons = new Set<string>();
    await eventually(
      async () => {
        const [a, b] = await Promise.all([call(stack, user.token, 'GET', `/api/batches/${id}`), call(stack, user.token, 'GET', `/api/batches/${id2}`)]);
        const rows = await stack.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', 'in', [id, id2]).where('status', '=', 'running').executeTakeFirstOrThrow();
        maxRunning = Math.max(maxRunning, Number(rows.n));
        for (const x of [a, b]) if (x.json.batch.waitingFor) reasons.add(x.json.batch.waitingFor.reason);
        return a.json.batch.status === 'completed' && b.json.batch.status === 'completed' ? [a, b] : undefined;
      },
      'both batches to complete one job at a time',
      240_000,
      50,
    );
    assert.equal(maxRunning, 1, 'never more than one job of the user running');
    assert.ok(reasons.has('user_running_jobs_limit'), `the wait was shown (seen: ${[...reasons].join(', ') || 'none'})`);
    for (const b of [id, id2]) {
      const done = (await call(stack, user.token, 'GET', `/api/batches/${b}`)).json.batch;
      assert.equal(done.counts.failed, 0);
      assert.equal(done.waitingFor, null);
    }
  });

  it('makes jobs wait at the jobs-per-day limit and go on when the admin raises it', async () => {
    const user = await newTestUser(stack, 'perday');
    await setLimits(user.id, { runningJobs: 1 });
    const created = await call(stack, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(4, 'Daily quota'), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
    const id = created.json.batch.id;
    // Lowered after the launch: the running batch waits instead of failing.
    await setLimits(user.id, { runningJobs: 1, jobsPerDay: 2 });
    const waiting = await eventually(async () => {
      const b = (await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch;
      return b.waitingFor?.reason === 'user_jobs_per_day_limit' && b.counts.running === 0 ? b : undefined;
    }, 'the batch to wait for the daily limit', 120_000);
    assert.equal(waiting.status, 'running');
    assert.equal(waiting.counts.completed, 2);
    assert.equal(waiting.counts.queued, 2);
    assert.equal(waiting.counts.failed, 0);
    assert.equal(waiting.waitingFor.limit, 2);
    assert.ok(new Date(waiting.waitingFor.until).getTime() > Date.now(), 'until the next UTC day');
    const usage = await call(stack, admin, 'GET', `/api/users/${user.id}/limits`);
    assert.equal(usage.json.today.jobsStarted, 2);
    await setLimits(user.id, { runningJobs: 1, jobsPerDay: 10 });
    const done = await eventually(async () => {
      const b = (await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch;
      return b.status === 'completed' ? b : undefined;
    }, 'the batch to complete once the limit is raised', 120_000);
    assert.equal(done.counts.completed, 4);
    assert.equal(done.counts.failed, 0);
  });
});
