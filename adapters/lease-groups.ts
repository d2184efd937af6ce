// The leases a worker process asks for, gathered: calls that ask at once (a burst of waiting calls woken by the same
// freed minute, the masters of a new batch) are leased together, one locking transaction per key for the group
// (db/key-leases.ts `leaseKeys`), not one per call, each behind the last on the same few key rows.
import type { Lease, NoLease } from '../db/key-leases';
import type { ModelQuota } from '../db/key-model-usage';
import { activityPriorityKey, PriorityLines } from './priority';

/** Leases `count` calls of `cost` requests (of `model`'s own quota, if any) in the turn of `priorityKey`. */
export type LeaseMany = (ask: { count: number; cost: number; model?: ModelQuota; priorityKey: number }) => Promise<{ leases: Lease[]; rest?: NoLease }>;

interface Ask {
  cost: number;
  model?: ModelQuota;
  priorityKey: number;
  settle: (lease: Lease | NoLease) => void;
  fail: (err: unknown) => void;
}

/**
 * Gathers one service's lease asks, by priority key then arrival, and leases them in groups of the same cost and
 * model: the head of the line and those like it behind it, up to `maxGroup`, the first of the group served first.
 * At most `width` groups are leased at once; asks that come meanwhile wait for the next group.
 */
export class LeaseGroups {
  private readonly waiting = new PriorityLines<Ask>();
  private leasing = 0;
  private scheduled = false;

  constructor(
    private readonly leaseMany: LeaseMany,
    private readonly width = 2,
    private readonly maxGroup = 64,
  ) {}

  /** Asks waiting for a group. */
  get queued(): number {
    return this.waiting.size;
  }

  /** One call's lease, or when to look again; rejects when the group's lease failed (PostgreSQL away, say). */
  lease(cost: number, model?: ModelQuota, priorityKey = activityPriorityKey()): Promise<Lease | NoLease> {
    return new Promise((settle, fail) => {
      this.waiting.push(priorityKey, { cost, model, priorityKey, settle, fail });
      this.schedule();
    });
  }

  /** Starts groups after the current turn of the event loop, so asks woken by the same timer go in one group. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  private start(): void {
    while (this.leasing < this.width && this.waiting.size > 0) {
      const group = this.takeGroup();
      this.leasing++;
      void this.serve(group).finally(() => {
        this.leasing--;
        if (this.waiting.size > 0) this.schedule();
      });
    }
  }

  private takeGroup(): Ask[] {
    const head = this.waiting.shift()!;
    const group = [head];
    for (const ask of this.waiting) {
      if (group.length >= this.maxGroup) break;
      if (ask.cost === head.cost && ask.model?.name === head.model?.name) group.push(ask);
    }
    for (const ask of group.slice(1)) this.waiting.remove(ask.priorityKey, ask);
    return group;
  }

  private async serve(group: Ask[]): Promise<void> {
    const head = group[0]!;
    try {
      const { leases, rest } = await this.leaseMany({ count: group.length, cost: head.cost, model: head.model, priorityKey: head.priorityKey });
      group.forEach((ask, i) => ask.settle(leases[i] ?? rest ?? { waitUntil: new Date() }));
    } catch (err) {
      for (const ask of group) ask.fail(err);
    }
  }
}
