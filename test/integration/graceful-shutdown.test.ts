// Graceful shutdown: a worker that gets SIGTERM mid-batch polls no more, lets its running paid calls
// finish and exits; a new worker completes the batch, and the simulators count every paid call once.
// An API process that gets SIGTERM ends its event streams with a final `shutdown` event and exits.
import assert from 'node:assert/strict';
import { countRows, launchBatch, waitForBatch } from '../support/batches';
import { killAll, spawnBolt, type BoltProcess } from '../support/processes';
import { eventually, testAdminToken, testStack, type TestStack } from '../support/stack';

const PAID = new Set(['writeMasterScript', 'adaptScript', 'synthesizeSpeech']);

/** Paid activities a worker has started and not finished, across the batch's running jobs. */
async function paidInFlight(stack: TestStack, batchId: string): Promise<number> {
  let n = 0;
  for await (const w of stack.client.workflow.list({ query: `BatchId = "${batchId}" AND WorkflowType = "jobWorkflow" AND ExecutionStatus = "Running"` })) {
    const d = await stack.client.workflow.getHandle(w.workflowId, w.runId).describe();
    for (const a of d.raw.pendingActivities ?? []) if (PAID.has(a.activityType?.name ?? '') && Number(a.state) === 2) n++;
  }
  return n;
}

describe('graceful shutdown', function () {
  this.timeout(600_000);
  let stack: TestStack;
  const procs: BoltProcess[] = [];

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });
  after(() => killAll(procs));

  it('lets a SIGTERMed worker finish its paid calls; a new worker completes the batch, each call bought once', async () => {
    const gemini = stack.simulators!.gemini;
    const tts = stack.simulators!.tts;
    const g = gemini.options as { latencyMs?: number };
    const t = tts.options as { latencyMs?: number };
    const saved = { g: g.latencyMs, t: t.latencyMs };
    // Slow calls, so that several are in flight when the signal comes.
    g.latencyMs = 2500;
    t.latencyMs = 2500;
    const taskQueue = `sigterm-${process.pid}`;
    try {
      const before = { master: gemini.counters.snapshot().byKind.master ?? 0, adaptation: gemini.counters.snapshot().byKind.adaptation ?? 0, synth: tts.counters.snapshot().byEndpoint.synthesize ?? 0 };
      const first = await spawnBolt(stack, { kind: 'worker', taskQueue, env: { BOLT_SHUTDOWN_GRACE: '60' } });
      procs.push(first);
      const { batchId } = await launchBatch(stack, {
        titles: 12,
        languages: [
          { language: 'en-US', voice: 'en-US-Neural2-A' },
          { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
        ],
        taskQueue,
        label: 'Sigterm',
      });
      const inFlight = await eventually(async () => {
        const n = await paidInFlight(stack, batchId);
        return n >= 3 ? n : undefined;
      }, 'paid calls in flight', 120_000, 300);
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0, first.output());
      assert.match(first.output(), /SIGTERM: no new tasks; running activities get up to 60 s/);
      assert.match(first.output(), /stopped: every running activity finished/);
      assert.doesNotMatch(first.output(), /cancel/i, 'no activity was cancelled');
      const afterStop = await countRows(stack, batchId);
      assert.ok((afterStop.completed ?? 0) < 24, `the batch was mid-way at the signal (${JSON.stringify(afterStop)}; ${inFlight} paid calls in flight)`);

      const second = await spawnBolt(stack, { kind: 'worker', taskQueue });
      procs.push(second);
      const done = await waitForBatch(stack, batchId, ['completed', 'failed', 'cancelled'], 300_000);
      assert.equal(done.status, 'completed');
      assert.deepEqual(await countRows(stack, batchId), { completed: 24 });
      const now = { master: gemini.counters.snapshot().byKind.master ?? 0, adaptation: gemini.counters.snapshot().byKind.adaptation ?? 0, synth: tts.counters.snapshot().byEndpoint.synthesize ?? 0 };
      // 12 titles × 2 languages: 12 masters, 12 adaptations, 24 syntheses (short scripts: one request each).
      assert.deepEqual({ master: now.master - before.master, adaptation: now.adaptation - before.adaptation, synth: now.synth - before.synth }, { master: 12, adaptation: 12, synth: 24 });
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    } finally {
      g.latencyMs = saved.g;
      t.latencyMs = saved.t;
    }
  });

  it('ends SSE streams with a final shutdown event and exits when the API gets SIGTERM', async () => {
    const taskQueue = `sigterm-api-${process.pid}`;
    const api = await spawnBolt(stack, { kind: 'api', taskQueue });
    procs.push(api);
    // A batch that stays running (no worker polls its queue), so its stream stays open.
    const { batchId } = await launchBatch(stack, { titles: 1, taskQueue, label: 'Sse', userId: (await me(stack)).id });
    const token = await testAdminToken(stack);
    const res = await fetch(`${api.url}/api/batches/${batchId}/events`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    await eventually(async () => {
      const { value } = await reader.read();
      text += Buffer.from(value ?? []).toString();
      return text.includes('event: progress');
    }, 'a first progress event');
    api.child.kill('SIGTERM');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    assert.match(text, /event: shutdown\ndata: \{"reason":"server stopping","retryMs":2000\}/);
    assert.equal(await api.exited, 0, api.output());
    await assert.rejects(fetch(`${api.url}/healthz`), 'the stopped API accepts no connection');
    await stack.client.workflow.getHandle(`batch-${batchId}`).terminate('test over');
  });
});

async function me(stack: TestStack): Promise<{ id: string }> {
  const res = await fetch(`${stack.apiUrl}/api/me`, { headers: { authorization: `Bearer ${await testAdminToken(stack)}` } });
  const body = (await res.json()) as { user?: { id: string }; id?: string };
  return { id: body.user?.id ?? body.id! };
}
