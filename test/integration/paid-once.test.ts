// No paid call bought twice, on the real stack with a worker in its own process: a worker SIGKILLed in the
// middle of a long narration resumes from its last kept chunk, and PostgreSQL restarted in the middle of a
// master-script call or of a narration costs nothing twice. The simulators count what Google would bill.
import assert from 'node:assert/strict';
import { planNarration } from '../../adapters/tts';
import { getBatch } from '../../db/batches';
import { findScript } from '../../db/scripts';
import { shippedCatalog } from '../../domain/catalog';
import { billedRequestCharacters, ttsUsd } from '../../domain/costs';
import { launchBatch, waitForBatch } from '../support/batches';
import { eventually, testStack, type TestStack } from '../support/stack';
import { killWorker, startWorkerProcess, type WorkerProcess } from '../support/worker-process';

const VOICE = { language: 'en-US', voice: 'en-US-Neural2-A' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function simFaults(stack: TestStack, body: unknown): Promise<void> {
  const res = await fetch(`${stack.simulators!.url}/_sim/faults`, { method: body ? 'POST' : 'DELETE', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  assert.equal(res.status, 200, await res.text());
}

function counts(stack: TestStack) {
  const g = stack.simulators!.gemini.counters.snapshot();
  const t = stack.simulators!.tts.counters.snapshot();
  return { masters: g.byKind.master ?? 0, adaptations: g.byKind.adaptation ?? 0, synth: t.byEndpoint.synthesize ?? 0, billed: t.billedCharacters, ttsErrors: t.errors };
}

/** The only job of a one-job batch, its script and the requests its narration is planned as. */
async function onlyJob(stack: TestStack, batchId: string) {
  const job = await stack.db.selectFrom('jobs').selectAll().where('batch_id', '=', batchId).executeTakeFirstOrThrow();
  const script = await findScript(stack.db, { batchId, titleIndex: job.title_index, variation: job.variation, language: job.language });
  const plan = script ? planNarration({ text: script.blocks.join('\n\n'), language: job.language, voice: job.voice }) : [];
  return { job, plan };
}

const chunkRows = (stack: TestStack, jobId: string) => stack.db.selectFrom('narration_chunks').select(['idx', 'object_key']).where('job_id', '=', jobId).execute();

/** The batch's spend is exactly its scripts' cost plus what its job recorded for the chunks it bought. */
async function assertSpendMatchesRows(stack: TestStack, batchId: string, jobTtsUsd: number): Promise<void> {
  const scripts = await stack.db.selectFrom('scripts').select((eb) => eb.fn.sum<number>('cost_usd').as('usd')).where('batch_id', '=', batchId).executeTakeFirstOrThrow();
  const spent = (await getBatch(stack.db, batchId))!.spent_usd;
  assert.ok(Math.abs(spent - (Number(scripts.usd) + jobTtsUsd)) < 1e-6, `spend ${spent} vs scripts ${scripts.usd} + speech ${jobTtsUsd}`);
}

describe('paid calls bought once', function () {
  this.timeout(900_000);
  let stack: TestStack;
  let worker: WorkerProcess | undefined;
  const prices = shippedCatalog().prices;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });
  afterEach(async () => {
    if (worker) await killWorker(worker, 'SIGTERM');
    worker = undefined;
    await stack.postgres.start?.();
    await simFaults(stack, undefined);
  });

  it('a worker SIGKILLed during a 10-chunk narration resumes from its last chunk: at most one chunk bought twice', async () => {
    const taskQueue = `paid-kill-${process.pid}`;
    // Tone speech: the audio length follows the text; each chunk takes 1.5 s, so the kill lands mid-narration.
    await simFaults(stack, { tts: { speech: 'tone', latencyMs: 1500 } });
    worker = await startWorkerProcess(stack, taskQueue);
    const before = counts(stack);
    const { batchId, handle } = await launchBatch(stack, { titles: 1, languages: [VOICE], taskQueue, label: 'Long narration kill', targetMinutes: 46, encoding: 'LINEAR16' });
    const jobId = (await onlyJob(stack, batchId)).job.id;
    // Four chunks kept and the fifth asked of Google: the kill lands in the middle of a paid call.
    const kept = await eventually(async () => {
      const rows = await chunkRows(stack, jobId);
      return rows.length >= 4 && counts(stack).synth - before.synth > rows.length ? rows : undefined;
    }, 'four chunks of the narration kept and the next one in flight', 300_000, 50);
    await killWorker(worker);
    const keptAtKill = (await chunkRows(stack, jobId)).length;
    console.log(`      killed the worker with ${keptAtKill} chunks kept`);
    worker = await startWorkerProcess(stack, taskQueue);
    assert.equal((await handle.result()).completed, 1);
    await waitForBatch(stack, batchId, ['completed']);

    const { job, plan } = await onlyJob(stack, batchId);
    const after = counts(stack);
    const calls = after.synth - before.synth;
    assert.ok(plan.length >= 10, `a narration of ${plan.length} requests`);
    console.log(`      ${plan.length} chunks, ${calls} TTS calls; billed ${after.billed - before.billed} characters, recorded ${job.tts_characters}`);
    assert.deepEqual(after.ttsErrors, before.ttsErrors, 'no TTS errors');
    assert.ok(calls >= plan.length && calls - plan.length <= 1, `${calls} TTS calls for ${plan.length} chunks: at most one bought twice`);
    // What the job recorded is what Google billed, but for the one call that died with the worker.
    const billed = after.billed - before.billed;
    const perChunk = plan.map((r) => billedRequestCharacters(r.input));
    assert.equal(job.tts_characters, perChunk.reduce((a, b) => a + b, 0), 'each chunk counted once');
    assert.ok(billed === job.tts_characters || perChunk.includes(billed - job.tts_characters!), `billed ${billed}, recorded ${job.tts_characters}`);
    assert.ok(Math.abs(job.tts_cost_usd! - ttsUsd(prices, VOICE.voice, job.tts_characters!)) < 1e-6);
    await assertSpendMatchesRows(stack, batchId, job.tts_cost_usd!);
    // One file of the whole length; the kept chunks are gone once it is assembled.
    assert.ok(job.audio_key && (await stack.storage.size(job.audio_key))! > 0);
    assert.ok(job.audio_duration_ms! > 40 * 60_000, `${job.audio_duration_ms} ms of narration`);
    assert.equal((await chunkRows(stack, jobId)).length, 0);
    for (const c of kept) assert.equal(await stack.storage.size(c.object_key), undefined, `${c.object_key} removed after assembly`);
  });

  it('PostgreSQL restarted during a master-script call: the script is bought once and the job completes', async () => {
    const taskQueue = `paid-pg-master-${process.pid}`;
    await simFaults(stack, { gemini: { latencyMs: 6000 }, tts: { speech: 'tone' } });
    worker = await startWorkerProcess(stack, taskQueue);
    const before = counts(stack);
    const { batchId, handle } = await launchBatch(stack, { titles: 1, languages: [VOICE], taskQueue, label: 'Master restart', targetMinutes: 1 });
    await eventually(async () => counts(stack).masters > before.masters, 'the master-script call to start', 120_000, 50);
    // Down for longer than the call takes: the answer arrives while PostgreSQL is away and must wait for it.
    await stack.postgres.stop();
    await sleep(9000);
    await stack.postgres.start!();
    await simFaults(stack, { gemini: { latencyMs: null } });
    assert.equal((await handle.result()).completed, 1);
    await waitForBatch(stack, batchId, ['completed']);

    const { job, plan } = await onlyJob(stack, batchId);
    const after = counts(stack);
    assert.equal(after.masters - before.masters, 1, 'one master-script call');
    assert.equal(after.synth - before.synth, plan.length, 'one TTS call per chunk');
    assert.equal(after.billed - before.billed, job.tts_characters, 'recorded characters = billed characters');
    await assertSpendMatchesRows(stack, batchId, job.tts_cost_usd!);
  });

  it('PostgreSQL restarted during a narration: no chunk bought twice and the job completes', async () => {
    const taskQueue = `paid-pg-speech-${process.pid}`;
    await simFaults(stack, { tts: { speech: 'tone', latencyMs: 2500 } });
    worker = await startWorkerProcess(stack, taskQueue);
    const before = counts(stack);
    const { batchId, handle } = await launchBatch(stack, { titles: 1, languages: [VOICE], taskQueue, label: 'Speech restart', targetMinutes: 14, encoding: 'LINEAR16' });
    const jobId = (await onlyJob(stack, batchId)).job.id;
    await eventually(async () => ((await chunkRows(stack, jobId)).length >= 1 ? true : undefined), 'the first chunk kept', 300_000, 50);
    // The next chunk is in flight: its answer comes while PostgreSQL is away.
    await stack.postgres.stop();
    await sleep(6000);
    await stack.postgres.start!();
    assert.equal((await handle.result()).completed, 1);
    await waitForBatch(stack, batchId, ['completed']);

    const { job, plan } = await onlyJob(stack, batchId);
    const after = counts(stack);
    assert.ok(plan.length >= 3, `a narration of ${plan.length} requests`);
    assert.equal(after.synth - before.synth, plan.length, 'one TTS call per chunk, none twice');
    assert.equal(after.masters - before.masters, 1);
    assert.equal(after.billed - before.billed, job.tts_characters, 'recorded characters = billed characters');
    await assertSpendMatchesRows(stack, batchId, job.tts_cost_usd!);
    assert.ok(job.audio_key && (await stack.storage.size(job.audio_key))! > 0);
  });
});
