// The key pool's lease asks, gathered: asks made in the same turn are leased as one group per cost and model, the
// group's first asks (by priority key, then arrival) get the leases there are, and a failed lease fails its group.
import assert from 'node:assert/strict';
import type { Lease, NoLease } from '../../db/key-leases';
import { LeaseGroups, type LeaseMany } from '../../adapters/lease-groups';

const lease = (n: number): Lease => ({ keyId: `k${n}`, service: 'gemini', target: 'simulator', last4: '0000', project: null, probe: false, leasedAt: new Date(0) });
const later: NoLease = { waitUntil: new Date(60_000), reason: 'quota' };

/** A lease function that records each group and grants `room` leases per call. */
function recorder(room: number) {
  const calls: Array<{ count: number; cost: number; model?: string; priorityKey: number }> = [];
  const leaseMany: LeaseMany = async ({ count, cost, model, priorityKey }) => {
    calls.push({ count, cost, model: model?.name, priorityKey });
    const leases = Array.from({ length: Math.min(room, count) }, (_, i) => lease(calls.length * 100 + i));
    return leases.length < count ? { leases, rest: later } : { leases };
  };
  return { calls, leaseMany };
}

const keyOf = (r: Lease | NoLease) => ('keyId' in r ? r.keyId : 'wait');

describe('lease groups', () => {
  it('leases the asks of one turn as one group, the highest priority first, and tells the rest when to look again', async () => {
    const { calls, leaseMany } = recorder(2);
    const groups = new LeaseGroups(leaseMany, 1);
    const asks = [groups.lease(1, undefined, 5), groups.lease(1, undefined, 3), groups.lease(1, undefined, 1), groups.lease(1, undefined, 3)];
    const got = (await Promise.all(asks)).map(keyOf);
    assert.deepEqual(calls, [{ count: 4, cost: 1, model: undefined, priorityKey: 1 }], 'one lease call for the four asks, in the turn of the highest');
    // Priority 1 first, then the two 3s in arrival order, then the 5: the first two get the two leases.
    assert.equal(got[2], 'k100', 'the priority-1 ask gets the first lease');
    assert.equal(got[1], 'k101', 'then the first priority-3 ask');
    assert.equal(got[3], 'wait', 'the later priority-3 ask waits');
    assert.equal(got[0], 'wait', 'the priority-5 ask waits');
  });

  it('keeps asks of another cost or model apart, and leases at most its width of groups at once', async () => {
    const { calls, leaseMany } = recorder(10);
    const groups = new LeaseGroups(leaseMany, 1);
    const model = { name: 'gemini-tts-test', rpm: 10 };
    await Promise.all([groups.lease(1), groups.lease(3), groups.lease(1), groups.lease(1, model), groups.lease(3)]);
    assert.deepEqual(
      calls.map((c) => [c.count, c.cost, c.model]),
      [
        [2, 1, undefined],
        [2, 3, undefined],
        [1, 1, 'gemini-tts-test'],
      ],
    );
  });

  it('fails every ask of a group whose lease failed, and serves the next asks afterwards', async () => {
    let fail = true;
    const groups = new LeaseGroups(async ({ count }) => {
      if (fail) throw new Error('database away');
      return { leases: Array.from({ length: count }, (_, i) => lease(i)) };
    });
    const failed = await Promise.allSettled([groups.lease(1), groups.lease(1)]);
    assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
    fail = false;
    assert.equal(keyOf(await groups.lease(1)), 'k0');
    assert.equal(groups.queued, 0);
  });
});
