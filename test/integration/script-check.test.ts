// The script check on the real stack, driven by the Gemini simulator's fault markers: each path (regenerated,
// failed at `qa`, cleaned, too long) as the API shows it, with the extra paid call in the batch's spend.
/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely; the assertions check them. */
import assert from 'node:assert/strict';
import { CheckCountsCache } from '../../api/check-counts';
import { getBatch } from '../../db/batches';
import { geminiCallUsd } from '../../domain/costs';
import { shippedCatalog } from '../../domain/catalog';
import { call } from '../support/http';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';

const TITLES = {
  wrong: 'Why rivers meander [sim:wrong-language]',
  wrongTwice: 'How glaciers carve valleys [sim:wrong-language:always]',
  markdown: 'What makes thunder rumble [sim:markdown]',
  long: 'How bees find their way home [sim:long]',
  clean: 'Why the sky is blue at noon',
};

describe('script check before speech (through the simulator)', function () {
  this.timeout(600_000);
  let stack: TestStack;
  let user: { token: string };
  let batch: any;
  const jobs = new Map<string, any>();
  let rejectionsBefore = 0;

  before(async function () {
    this.timeout(900_000);
    stack = await testStack();
    user = await newTestUser(stack, 'qa');
    rejectionsBefore = stack.simulators!.gemini.rejections.length;
    const created = await call(stack, user.token, 'POST', '/api/batches', {
      mode: 'expand_titles',
      titles: Object.values(TITLES),
      languages: [{ language: 'en-US', voice: 'en-US-Neural2-C' }],
      agent: { targetMinutes: 0.5 },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.batch.id;
    batch = await eventually(async () => {
      const r = await call(stack, user.token, 'GET', `/api/batches/${id}`);
      return ['completed', 'failed'].includes(r.json.batch.status) ? r.json.batch : undefined;
    }, 'the batch to finish', 600_000, 500);
    const list = await call(stack, user.token, 'GET', `/api/batches/${id}/jobs?pageSize=50`);
    for (const j of list.json.jobs) {
      const one = await call(stack, user.token, 'GET', `/api/jobs/${j.id}`);
      assert.equal(one.status, 200, one.text);
      jobs.set(one.json.job.title, one.json.job);
    }
  });

  const master = (title: string) => {
    const job = jobs.get(title);
    assert.ok(job, `no job for ${title}`);
    const check = job.scriptCheck.find((c: any) => c.kind === 'master');
    assert.ok(check, `no script check on ${title}: ${JSON.stringify(job)}`);
    return { job, check };
  };

  const scriptRow = (title: string) =>
    stack.db
      .selectFrom('scripts')
      .selectAll()
      .where('batch_id', '=', batch.id)
      .where('title_index', '=', Object.values(TITLES).indexOf(title))
      .executeTakeFirstOrThrow();

  it('wrong language: regenerated once with the reason in the prompt, then passes', async () => {
    const { job, check } = master(TITLES.wrong);
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(check.outcome, 'regenerated');
    assert.equal(check.attempts.length, 2);
    assert.equal(check.attempts[0].language.status, 'failed');
    assert.equal(check.attempts[0].language.detected, 'es');
    assert.match(check.attempts[0].reasons.join(' '), /in es, not en-US/);
    assert.equal(check.attempts[1].language.status, 'passed');
    assert.equal(check.attempts[1].ok, true);
    const told = stack.simulators!.gemini.rejections.slice(rejectionsBefore);
    assert.ok(told.some((r) => /in es, not en-US/.test(r)), `the regeneration prompt did not carry the reason: ${told.join(' / ')}`);
  });

  it('wrong language twice: the job fails at stage qa with the reasons, no speech bought', async () => {
    const { job, check } = master(TITLES.wrongTwice);
    assert.equal(job.status, 'failed');
    assert.equal(job.error.stage, 'qa', JSON.stringify(job.error));
    assert.equal(job.error.code, 'script_check_failed');
    assert.match(job.error.message, /in es, not en-US/);
    assert.equal(check.outcome, 'failed');
    assert.equal(check.attempts.length, 2);
    assert.equal(job.audio, null);
    const tts = await stack.db.selectFrom('jobs').select(['tts_characters']).where('id', '=', job.id).executeTakeFirstOrThrow();
    assert.equal(tts.tts_characters, null, 'no speech was bought for a failed script');
  });

  it('markdown: cleaned in place, no regeneration', async () => {
    const { job, check } = master(TITLES.markdown);
    assert.equal(job.status, 'completed');
    assert.equal(check.outcome, 'cleaned');
    assert.equal(check.attempts.length, 1);
    assert.deepEqual([...new Set(check.attempts[0].cleaned.map((a: any) => a.kind))].sort(), ['markdown_emphasis', 'title_label']);
    assert.doesNotMatch(job.script.text, /\*|Title:/);
  });

  it('too long: regenerated, then within ±15% of the target', async () => {
    const { job, check } = master(TITLES.long);
    assert.equal(job.status, 'completed');
    assert.equal(check.outcome, 'regenerated');
    const [first, second] = check.attempts;
    assert.equal(first.length.ok, false);
    assert.ok(first.length.ratio > 1.15, `first attempt ratio ${first.length.ratio}`);
    assert.match(first.reasons.join(' '), /too long/);
    assert.ok(Math.abs(second.length.ratio - 1) <= 0.15, `second attempt ratio ${second.length.ratio}`);
  });

  it('a clean script passes on the first call', () => {
    const { check } = master(TITLES.clean);
    assert.equal(check.outcome, 'passed');
    assert.equal(check.attempts[0].language.status, 'passed');
  });

  it('the batch counts jobs cleaned, regenerated and failed by the check', () => {
    assert.deepEqual(batch.scriptCheck, { cleaned: 1, regenerated: 2, failed: 1 });
    assert.equal(batch.counts.failed, 1);
    assert.equal(batch.counts.completed, 4);
  });

  it('spend counts the extra call: a regenerated script costs both calls, a failed one too', async () => {
    const prices = shippedCatalog().prices;
    const clean = await scriptRow(TITLES.clean);
    const regenerated = await scriptRow(TITLES.wrong);
    // Two calls' tokens, priced like any call; the regeneration's prompt is the original plus the reasons.
    assert.ok(regenerated.input_tokens > 1.9 * clean.input_tokens, `${regenerated.input_tokens} vs ${clean.input_tokens}`);
    assert.ok(Math.abs(regenerated.cost_usd - geminiCallUsd(prices, regenerated.model, regenerated.input_tokens, regenerated.output_tokens)) < 1e-9);
    // The batch's whole spend: its row plus its counter shards.
    const row = (await getBatch(stack.db, batch.id))!;
    const scripts = await stack.db.selectFrom('scripts').select('cost_usd').where('batch_id', '=', batch.id).execute();
    const speech = await stack.db.selectFrom('jobs').select('tts_cost_usd').where('batch_id', '=', batch.id).execute();
    const stored = scripts.reduce((n, s) => n + s.cost_usd, 0) + speech.reduce((n, j) => n + (j.tts_cost_usd ?? 0), 0);
    // The failed script stored nothing, yet its two calls were paid: the spend is more than the stored rows.
    const failedCalls = Number(row.spent_usd) - stored;
    assert.ok(failedCalls > 1.5 * clean.cost_usd, `failed script's spend ${failedCalls} vs one call ${clean.cost_usd}`);
    assert.equal(batch.cost.spentUsd, Math.round(Number(row.spent_usd) * 1e6) / 1e6);
  });

  it('the status of a running batch reads the counts at most every few seconds; an ended batch reads them exact', async () => {
    const cache = new CheckCountsCache(stack.db, 300);
    const running = { id: batch.id, status: 'running' };
    assert.deepEqual(await cache.counts(running), { cleaned: 1, regenerated: 2, failed: 1 });
    const cleaned = await stack.db.selectFrom('script_checks').select(['title_index', 'variation', 'language', 'kind']).where('batch_id', '=', batch.id).where('outcome', '=', 'cleaned').executeTakeFirstOrThrow();
    const setOutcome = (outcome: 'passed' | 'cleaned') =>
      stack.db.updateTable('script_checks').set({ outcome }).where('batch_id', '=', batch.id).where('title_index', '=', cleaned.title_index).where('variation', '=', cleaned.variation).where('language', '=', cleaned.language).where('kind', '=', cleaned.kind).execute();
    await setOutcome('passed');
    try {
      assert.deepEqual(await cache.counts(running), { cleaned: 1, regenerated: 2, failed: 1 }, 'within its age, the last read');
      assert.deepEqual(await cache.counts({ id: batch.id, status: 'completed' }), { cleaned: 0, regenerated: 2, failed: 1 }, 'an ended batch: exact');
      await new Promise((r) => setTimeout(r, 400));
      // Past its age, a call still answers at once with the last read and starts a fresh one, which the next calls see.
      await eventually(async () => {
        const c = await cache.counts(running);
        return c.cleaned === 0 ? c : undefined;
      }, 'the fresh read', 10_000, 50);
    } finally {
      await setOutcome('cleaned');
    }
  });
});
