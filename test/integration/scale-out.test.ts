// Scale-out: two worker processes and an API process share one 300-job batch through one Temporal and
// one PostgreSQL. Both workers do part of it, and the key pool's limits hold across them: counted at
// the simulator, a 60-RPM TTS key gets at most 60 calls in any sliding minute, and a Gemini project
// limit holds for its two keys together.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { resolveMasterKey } from '../../adapters/master-key-file';
import { SIMULATOR_LABEL } from '../../adapters/providers';
import { addKey, listKeys, removeKey, setKeyStatus, setProjectLimits } from '../../db/keys';
import type { KeyService } from '../../db/schema';
import { countRows, waitForBatch } from '../support/batches';
import { batchBody, killAll, launchThroughApi, spawnBolt, type BoltProcess } from '../support/processes';
import { testStack, type TestStack } from '../support/stack';

const MINUTE = 60_000;

/** Most calls in any window of one minute (sliding, at every call). */
export function maxPerMinute(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= MINUTE) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('scale-out across worker processes', function () {
  this.timeout(900_000);
  let stack: TestStack;
  const procs: BoltProcess[] = [];
  const added: string[] = [];
  let defaultKeys: string[] = [];
  let ttsSpeech: unknown;
  const project = `proj-scale-${process.pid}`;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  after(async () => {
    await killAll(procs);
    for (const id of added) await removeKey(stack.db, id);
    await stack.db.deleteFrom('api_key_projects').where('project', '=', project).execute();
    for (const id of defaultKeys) await setKeyStatus(stack.db, id, { status: 'active' });
    if (stack) (stack.simulators!.tts.options as { speech?: unknown }).speech = ttsSpeech;
  });

  async function add(service: KeyService, tag: string, extra: { project?: string; rpm?: number } = {}): Promise<string> {
    const secret = `AIzaSy${tag}${randomBytes(16).toString('base64url')}`;
    const master = resolveMasterKey({ dataDir: stack.dataDir, create: false }).current;
    const { key } = await addKey(stack.db, master, { service, key: secret, accountEmail: `${tag}@bolt.test`, target: 'simulator', label: `scale ${tag}`, ...extra });
    added.push(key.id);
    return `…${secret.slice(-4)}`;
  }

  it('shares a 300-job batch between two workers, with per-key and per-project limits holding across them', async () => {
    // Only this test's keys serve while it runs; the pool's total room is below the demand, so every
    // limited key is driven to its limit and the bound is really tested.
    defaultKeys = (await listKeys(stack.db, { status: 'active' })).filter((k) => k.label === SIMULATOR_LABEL).map((k) => k.id);
    for (const id of defaultKeys) await setKeyStatus(stack.db, id, { status: 'disabled', reason: 'scale-out test running' });
    const tts60 = await add('tts', 'ttsA', { rpm: 60 });
    const tts180 = await add('tts', 'ttsB', { rpm: 180 });
    const g1 = await add('gemini', 'gemA', { project });
    const g2 = await add('gemini', 'gemB', { project });
    const g3 = await add('gemini', 'gemC', { rpm: 120 });
    await setProjectLimits(stack.db, 'gemini', project, { rpm: 120 });
    // A tone instead of espeak-ng: this test measures the pool, not speech synthesis on two cores.
    const ttsOptions = stack.simulators!.tts.options as { speech?: unknown };
    ttsSpeech = ttsOptions.speech;
    ttsOptions.speech = 'tone';

    const taskQueue = `scale-${process.pid}`;
    const workerA = await spawnBolt(stack, { kind: 'worker', taskQueue});
    procs.push(workerA);
    const workerB = await spawnBolt(stack, { kind: 'worker', taskQueue});
    procs.push(workerB);
    const api = await spawnBolt(stack, { kind: 'api', taskQueue });
    procs.push(api);

    const { batchId } = await launchThroughApi(
      stack,
      api.url!,
      batchBody(150, 'Scale', [
        { language: 'en-US', voice: 'en-US-Neural2-C' },
        { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
      ]),
    );
    const done = await waitForBatch(stack, batchId, ['completed', 'failed', 'cancelled'], 780_000);
    assert.equal(done.status, 'completed');
    assert.deepEqual(await countRows(stack, batchId), { completed: 300 });

    // Which worker process ran each job's activities: the identity (pid@host) in its history.
    const pids = new Map([
      [String(workerA.child.pid), 0],
      [String(workerB.child.pid), 0],
    ]);
    const ids: string[] = [];
    for await (const w of stack.client.workflow.list({ query: `BatchId = "${batchId}" AND WorkflowType = "jobWorkflow"` })) ids.push(w.workflowId);
    assert.equal(ids.length, 300);
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(
        ids.slice(i, i + 20).map(async (id) => {
          const history = await stack.client.workflow.getHandle(id).fetchHistory();
          for (const e of history.events ?? []) {
            const pid = e.activityTaskStartedEventAttributes?.identity?.split('@')[0];
            if (pid && pids.has(pid)) pids.set(pid, pids.get(pid)! + 1);
          }
        }),
      );
    }
    const [a, b] = [...pids.values()];
    console.log(`      activities run: worker A ${a}, worker B ${b}`);
    assert.ok(a! > 0 && b! > 0, `both workers did part of the work (A ${a}, B ${b})`);

    const sim = (service: 'gemini' | 'tts', label: string) => stack.simulators![service].counters.callTimes(label);
    const perMinute = {
      tts60: maxPerMinute(sim('tts', tts60)),
      tts180: maxPerMinute(sim('tts', tts180)),
      project: maxPerMinute([...sim('gemini', g1), ...sim('gemini', g2)]),
      gemini120: maxPerMinute(sim('gemini', g3)),
    };
    const totals = { tts60: sim('tts', tts60).length, tts180: sim('tts', tts180).length, project: sim('gemini', g1).length + sim('gemini', g2).length, gemini120: sim('gemini', g3).length };
    console.log(`      most calls in any minute: ${JSON.stringify(perMinute)}; calls in all: ${JSON.stringify(totals)}`);
    assert.ok(perMinute.tts60 <= 60, `the 60-RPM key got ${perMinute.tts60} calls in one minute`);
    assert.ok(perMinute.tts180 <= 180, `the 180-RPM key got ${perMinute.tts180} calls in one minute`);
    assert.ok(perMinute.project <= 120, `the 120-RPM project got ${perMinute.project} calls in one minute`);
    assert.ok(perMinute.gemini120 <= 120, `the 120-RPM Gemini key got ${perMinute.gemini120} calls in one minute`);
    // The limits were reached, not merely unneeded: more TTS calls than the two keys' 240 a minute of room
    // (identical narrations come from the audio cache, so there can be fewer calls than jobs).
    assert.ok(perMinute.tts60 >= 50, `the 60-RPM key was driven to its limit (${perMinute.tts60} in its busiest minute)`);
    assert.ok(totals.tts60 + totals.tts180 > 240, `${totals.tts60 + totals.tts180} TTS calls, more than a minute of both keys' room`);
  });
});
