// Nothing lost, nothing paid twice: a worker running as its own process is SIGKILLed three times
// during a 200-job batch and restarted; every job completes once and paid calls repeat only what
// was in flight at the kills.
import assert from 'node:assert/strict';
import { getBatch } from '../../db/batches';
// Paid activities started and not finished across the batch's running jobs, counted as the drills count them.
import { paidInFlight } from '../../scripts/drill/verdict';
import { launchBatch, waitForBatch } from '../support/batches';
import { eventually, testStack, type TestStack } from '../support/stack';
import { startWorkerProcess } from '../support/worker-process';

const startWorker = startWorkerProcess;

describe('crash recovery', function () {
  this.timeout(600_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('completes a 200-job batch exactly once through three SIGKILLs of its worker', async () => {
    const taskQueue = `crash-${process.pid}`;
    const gemini = stack.simulators!.gemini;
    const tts = stack.simulators!.tts;
    const before = { master: gemini.counters.snapshot().byKind.master ?? 0, adaptation: gemini.counters.snapshot().byKind.adaptation ?? 0, synth: tts.counters.snapshot().byEndpoint.synthesize ?? 0 };
    const options = gemini.options as { latencyMs?: number };
    const latency = options.latencyMs;
    options.latencyMs = 40;
    let worker = await startWorker(stack, taskQueue);
    try {
      const { batchId, handle } = await launchBatch(stack, {
        titles: 100,
        languages: [
          { language: 'en-US', voice: 'en-US-Neural2-A' },
          { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
        ],
        window: 40,
        taskQueue,
        label: 'Crash',
      });
      let inFlightAtKills = 0;
      for (const threshold of [30, 80, 130]) {
        await eventually(async () => ((await getBatch(stack.db, batchId))!.completed >= threshold ? true : undefined), `${threshold} jobs done`, 240_000);
        worker.child.kill('SIGSTOP'); // freeze it, count what it was doing, then kill it
        const n = await paidInFlight(stack, batchId);
        inFlightAtKills += n;
        worker.child.kill('SIGKILL');
        await new Promise((r) => worker.child.once('exit', r));
        console.log(`      killed the worker at ${threshold}+ jobs done, with ${n} paid calls in flight`);
        worker = await startWorker(stack, taskQueue);
      }
      const outcome = await handle.result();
      const batch = await waitForBatch(stack, batchId, ['completed']);
      assert.equal(outcome.completed, 200);
      assert.deepEqual([batch.completed, batch.failed, batch.cancelled, batch.queued, batch.running], [200, 0, 0, 0, 0]);
      const jobs = await stack.db.selectFrom('jobs').select(['status', 'audio_key']).where('batch_id', '=', batchId).execute();
      assert.ok(jobs.every((j) => j.status === 'completed' && j.audio_key));
      const audio = (await stack.storage.list(`batches/${batchId}/`)).filter((k) => k.endsWith('.mp3'));
      assert.equal(audio.length, 200, 'exactly 200 audio objects');

      const masters = (gemini.counters.snapshot().byKind.master ?? 0) - before.master;
      const adaptations = (gemini.counters.snapshot().byKind.adaptation ?? 0) - before.adaptation;
      const syntheses = (tts.counters.snapshot().byEndpoint.synthesize ?? 0) - before.synth;
      const scripts = await stack.db.selectFrom('scripts').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', '=', batchId).where('kind', '=', 'master').executeTakeFirstOrThrow();
      assert.equal(Number(scripts.n), 100, 'one stored master per title');
      const repeated = masters - 100 + (adaptations - 100) + (syntheses - 200);
      console.log(`      paid calls: ${masters} masters, ${adaptations} adaptations, ${syntheses} syntheses; repeated ${repeated}, in flight at the kills ${inFlightAtKills}`);
      assert.ok(masters >= 100 && adaptations >= 100 && syntheses >= 200);
      assert.ok(repeated <= inFlightAtKills, `${repeated} repeated paid calls, but only ${inFlightAtKills} were in flight`);

      // The spend counter moved once per stored call, however often the worker died.
      const scriptSpend = await stack.db.selectFrom('scripts').select((eb) => eb.fn.sum<number>('cost_usd').as('usd')).where('batch_id', '=', batchId).executeTakeFirstOrThrow();
      const ttsSpend = await stack.db.selectFrom('jobs').select((eb) => [eb.fn.sum<number>('tts_cost_usd').as('usd'), eb.fn.count<number>('tts_cost_usd').as('n')]).where('batch_id', '=', batchId).executeTakeFirstOrThrow();
      assert.equal(Number(ttsSpend.n), 200, 'every job has its synthesis cost recorded');
      const spent = (await getBatch(stack.db, batchId))!.spent_usd;
      assert.ok(spent > 0);
      assert.ok(Math.abs(spent - (Number(scriptSpend.usd) + Number(ttsSpend.usd))) < 1e-6, `spend ${spent} vs rows ${Number(scriptSpend.usd) + Number(ttsSpend.usd)}`);
    } finally {
      options.latencyMs = latency;
      worker.child.kill('SIGTERM');
    }
  });
});
