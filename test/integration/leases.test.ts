// Lease rows with fencing tokens on real PostgreSQL: racing holders, a holder that died, a stale writer.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { onceForScript, withLease } from '../../activities/paid-once';
import { findCachedAudio, storeCachedAudio, type CachedAudio } from '../../db/audio-cache';
import { createBatch, getBatch } from '../../db/batches';
import { acquireLease, LeaseLostError, renewLease, type Lease } from '../../db/leases';
import { findScript, storeProducedScript, type ProducedScript } from '../../db/scripts';
import { testStack, type TestStack } from '../support/stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const made = (title: string, cost: number): ProducedScript => ({ kind: 'master', title, blocks: JSON.stringify(['One block.']), model: 'sim', input_tokens: 10, output_tokens: 20, cost_usd: cost });

async function newBatch(stack: TestStack): Promise<string> {
  const title = `Lease title ${randomUUID()}`;
  const { batch } = await createBatch(stack.db, {
    userId: 'lease-test',
    mode: 'matrix',
    titles: [title],
    languages: [{ language: 'en-US', voice: 'en-US-Neural2-A' }],
    variations: 1,
    masterLanguage: 'en-US',
    options: { agent: { name: 'a', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1 }, audioEncoding: 'MP3', priority: 'normal' },
    jobs: [{ seq: 0, titleIndex: 0, title, language: 'en-US', voice: 'en-US-Neural2-A', variation: 1, usesMasterDirectly: true }],
  });
  return batch.id;
}

describe('paid-call leases with fencing tokens', function () {
  this.timeout(600_000);
  let stack: TestStack;
  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('two holders racing for the same master: one call, one stored script, one spend', async () => {
    const batchId = await newBatch(stack);
    const id = { batchId, titleIndex: 0, variation: 1, language: 'en-US' };
    let calls = 0;
    const produce = async () => {
      calls++;
      await sleep(1500); // the paid call: no transaction is open meanwhile
      return made('The master', 0.25);
    };
    const cacheKey = `race-${randomUUID()}`;
    const [a, b] = await Promise.all([onceForScript(stack.db, id, produce, cacheKey), onceForScript(stack.db, id, produce, cacheKey)]);
    assert.equal(calls, 1);
    assert.deepEqual([a.produced, b.produced].sort(), [false, true]);
    assert.equal(a.script.id, b.script.id);
    assert.equal((await getBatch(stack.db, batchId))!.spent_usd, 0.25);
  });

  it('a stale writer cannot store: the lease taken over after expiry fences out the old token', async () => {
    const batchId = await newBatch(stack);
    const id = { batchId, titleIndex: 0, variation: 1, language: 'en-US' };
    const key = `fence-${randomUUID()}`;
    const first = (await acquireLease(stack.db, key, 'worker-a', 300)) as Lease;
    assert.ok('token' in first);
    const held = await acquireLease(stack.db, key, 'worker-b', 300);
    assert.ok('heldUntil' in held, 'a live lease is not granted to another owner');
    await sleep(600);
    const second = (await acquireLease(stack.db, key, 'worker-b', 60_000)) as Lease;
    assert.ok('token' in second && second.token > first.token, 'the takeover gets a larger token');
    await assert.rejects(storeProducedScript(stack.db, first, id, made('Stale', 1)), LeaseLostError);
    assert.equal(await findScript(stack.db, id), undefined, 'nothing stored by the stale writer');
    assert.equal(await renewLease(stack.db, first, 60_000), false, 'the stale holder cannot extend either');
    const stored = await storeProducedScript(stack.db, second, id, made('Current', 0.5));
    assert.equal(stored.title, 'Current');
    assert.equal((await getBatch(stack.db, batchId))!.spent_usd, 0.5);
  });

  it("the narration cache's one-statement fence: a stale holder stores nothing, an expired one nobody took over still stores", async () => {
    const key = `audio-fence-${randomUUID()}`;
    const audio = (n: number): CachedAudio => ({ audioKey: `a${n}.mp3`, srtKey: `a${n}.srt`, vttKey: `a${n}.vtt`, bytes: 1000 + n, durationMs: 2000 + n });
    const first = (await acquireLease(stack.db, key, 'worker-a', 300)) as Lease;
    await sleep(600);
    // Expired, not taken over: the call was bought, its result is kept.
    await storeCachedAudio(stack.db, first, key, audio(1));
    assert.deepEqual(await findCachedAudio(stack.db, key), audio(1));
    const second = (await acquireLease(stack.db, key, 'worker-b', 60_000)) as Lease;
    await assert.rejects(storeCachedAudio(stack.db, first, key, audio(2)), LeaseLostError);
    assert.deepEqual(await findCachedAudio(stack.db, key), audio(1), 'the stale holder changed nothing');
    await assert.rejects(storeCachedAudio(stack.db, { ...second, key: `${key}-other` }, key, audio(3)), LeaseLostError, 'a lease on another key is no fence');
    await storeCachedAudio(stack.db, second, key, audio(4));
    assert.deepEqual(await findCachedAudio(stack.db, key), audio(4), 'the current holder replaces it');
  });

  it('a holder that died frees the call when its lease expires; the next one takes over', async () => {
    const key = `dead-${randomUUID()}`;
    const dead = (await acquireLease(stack.db, key, 'worker-that-died', 2000)) as Lease;
    assert.ok('token' in dead);
    let waited = false;
    const probe = await acquireLease(stack.db, key, 'next', 2000);
    if ('heldUntil' in probe) waited = true;
    const token = await withLease(stack.db, key, async (lease) => lease.token, 2000);
    assert.ok(waited, 'the lease was held when the next one asked');
    assert.ok(token > dead.token);
  });

  it('a retry of the same activity waits while its earlier attempt renews, and takes over once it stops, before expiry', async () => {
    // A 9 s lease: renewed every 3 s, stale after 7.5 s unrenewed, expired after 9 s.
    const ttl = 9000;
    const key = `retry-${randomUUID()}`;
    const first = (await acquireLease(stack.db, key, 'activity-1', ttl)) as Lease;
    assert.ok('token' in first);
    const early = await acquireLease(stack.db, key, 'activity-1', ttl);
    assert.ok('heldUntil' in early, 'a live earlier attempt keeps its lease, even from its own retry');
    const wait = early.heldUntil.getTime() - Date.now();
    assert.ok(wait > 6000 && wait <= 7600, `the retry is told to come back when the lease would be stale, in ${wait} ms`);
    await sleep(2000);
    assert.equal(await renewLease(stack.db, first, ttl), true);
    assert.ok('heldUntil' in (await acquireLease(stack.db, key, 'activity-1', ttl)), 'renewed: still live');
    await sleep(8200); // 8.2 s since the renewal: stale, not yet expired
    assert.ok('heldUntil' in (await acquireLease(stack.db, key, 'another-activity', ttl)), 'not expired: another owner still waits');
    const retry = await acquireLease(stack.db, key, 'activity-1', ttl);
    assert.ok('token' in retry && retry.token > first.token, 'the retry takes over a lease its earlier attempt stopped renewing');
    assert.equal(await renewLease(stack.db, first, ttl), false, 'and the earlier attempt is fenced out');
  });
});
