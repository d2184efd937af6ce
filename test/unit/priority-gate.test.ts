// The in-process gate that key-row transactions pass through: a few at a time, the waiting ones served by their
// batch's priority key, and never lost when a task fails.
import assert from 'node:assert/strict';
import { PriorityGate } from '../../adapters/priority';

/** A task that runs until released, recording when it started. */
function held(order: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return {
    release: () => release(),
    task: async () => {
      order.push(name);
      await done;
      return name;
    },
  };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('priority gate', () => {
  it('runs at most its width at once and serves the waiting ones by priority key, then arrival', async () => {
    const gate = new PriorityGate(2);
    const started: string[] = [];
    const tasks = Object.fromEntries(['a5', 'b5', 'c5', 'd3', 'e1', 'f5', 'g1'].map((n) => [n, held(started, n)]));
    const keyOf = (name: string) => Number(name.slice(1));
    const results = Object.entries(tasks).map(([name, t]) => gate.run(keyOf(name), t.task));
    await settle();
    assert.deepEqual(started, ['a5', 'b5'], 'two run, five wait');
    assert.equal(gate.queued, 5);
    // Each finishing task hands its place to the best waiting one.
    for (const name of ['a5', 'b5', 'e1', 'g1', 'd3', 'c5', 'f5']) {
      tasks[name]!.release();
      await settle();
      await settle();
    }
    assert.deepEqual(started, ['a5', 'b5', 'e1', 'g1', 'd3', 'c5', 'f5']);
    assert.deepEqual(await Promise.all(results), ['a5', 'b5', 'c5', 'd3', 'e1', 'f5', 'g1']);
    assert.equal(gate.queued, 0);
  });

  it('gives the place of a failed task to the next one, and passes the failure to its caller', async () => {
    const gate = new PriorityGate(1);
    const started: string[] = [];
    const failing = gate.run(3, async () => {
      started.push('fails');
      await settle();
      throw new Error('row locked too long');
    });
    const next = gate.run(3, async () => {
      started.push('next');
      return 'ran';
    });
    await assert.rejects(failing, /row locked too long/);
    assert.equal(await next, 'ran');
    assert.deepEqual(started, ['fails', 'next']);
    // With nothing waiting the gate is open again at once.
    assert.equal(await gate.run(5, async () => 'free'), 'free');
    assert.equal(gate.queued, 0);
  });

  it('refuses a width that is not a positive integer', () => {
    assert.throws(() => new PriorityGate(0), /positive integer/);
    assert.throws(() => new PriorityGate(1.5), /positive integer/);
  });
});
