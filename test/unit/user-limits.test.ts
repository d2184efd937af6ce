import assert from 'node:assert/strict';
import { LimitReason, NO_LIMITS, launchRefusal, nextUtcDay, userAllowance, utcDay } from '../../domain/user-limits';

const now = new Date('2026-12-02T22:30:00Z');
const fresh = { jobsStarted: 0, spentUsd: 0 };

describe('user limits', () => {
  it('allows what is wanted when no limit is set', () => {
    assert.deepEqual(userAllowance(NO_LIMITS, fresh, { running: 500, perJobUsd: 1, want: 37 }, now), { jobs: 37 });
    assert.equal(launchRefusal(NO_LIMITS, { jobsStarted: 1e9, spentUsd: 1e9 }, { jobs: 20_000, queuedElsewhere: 1e6, estimateUsd: 1e6 }), undefined);
  });

  it('caps at the free running slots and waits, without a time, when none is free', () => {
    const limits = { ...NO_LIMITS, runningJobs: 3 };
    assert.deepEqual(userAllowance(limits, fresh, { running: 1, perJobUsd: 0, want: 10 }, now), { jobs: 2 });
    assert.deepEqual(userAllowance(limits, fresh, { running: 3, perJobUsd: 0, want: 10 }, now), { jobs: 0, reason: LimitReason.runningJobs, limit: 3, used: 3, until: null });
  });

  it('stops at the jobs per day until the next UTC day', () => {
    const limits = { ...NO_LIMITS, jobsPerDay: 10 };
    assert.deepEqual(userAllowance(limits, { jobsStarted: 8, spentUsd: 0 }, { running: 0, perJobUsd: 0, want: 5 }, now), { jobs: 2 });
    const wait = userAllowance(limits, { jobsStarted: 10, spentUsd: 0 }, { running: 0, perJobUsd: 0, want: 5 }, now);
    assert.equal(wait.jobs, 0);
    assert.ok('reason' in wait && wait.reason === LimitReason.jobsPerDay);
    assert.equal('until' in wait && wait.until?.toISOString(), '2026-12-03T00:00:00.000Z');
    assert.equal(utcDay(now), '2026-12-02');
    assert.equal(nextUtcDay(new Date('2026-12-31T23:59:59Z')).toISOString(), '2027-01-01T00:00:00.000Z');
  });

  it('charges running jobs their estimate against the spend per day', () => {
    const limits = { ...NO_LIMITS, spendPerDayUsd: 1 };
    // $0.40 spent, 2 running at $0.10 each: $0.40 left, room for 4 more.
    assert.deepEqual(userAllowance(limits, { jobsStarted: 0, spentUsd: 0.4 }, { running: 2, perJobUsd: 0.1, want: 10 }, now), { jobs: 4 });
    const inFlight = userAllowance(limits, { jobsStarted: 0, spentUsd: 0.4 }, { running: 6, perJobUsd: 0.1, want: 10 }, now);
    assert.ok('reason' in inFlight && inFlight.reason === LimitReason.spendPerDay && inFlight.until === null, 'waits for running jobs, not for tomorrow');
    const spent = userAllowance(limits, { jobsStarted: 0, spentUsd: 1.2 }, { running: 0, perJobUsd: 0.1, want: 10 }, now);
    assert.ok('reason' in spent && spent.until?.toISOString() === '2026-12-03T00:00:00.000Z');
  });

  it('refuses a launch that today cannot take, naming the limit', () => {
    const jobs = launchRefusal({ ...NO_LIMITS, jobsPerDay: 100 }, { jobsStarted: 40, spentUsd: 0 }, { jobs: 30, queuedElsewhere: 31 });
    assert.equal(jobs?.limit, 'jobsPerDay');
    assert.match(jobs!.message, /30 jobs.*100 jobs per day.*71/);
    assert.equal(launchRefusal({ ...NO_LIMITS, jobsPerDay: 100 }, { jobsStarted: 40, spentUsd: 0 }, { jobs: 30, queuedElsewhere: 30 }), undefined);
    const spend = launchRefusal({ ...NO_LIMITS, spendPerDayUsd: 5 }, { jobsStarted: 0, spentUsd: 4 }, { jobs: 1, queuedElsewhere: 0, estimateUsd: 1.5 });
    assert.equal(spend?.limit, 'spendPerDayUsd');
    assert.equal(spend?.value, 5);
    assert.equal(launchRefusal({ ...NO_LIMITS, spendPerDayUsd: 5 }, { jobsStarted: 0, spentUsd: 4 }, { jobs: 1, queuedElsewhere: 0, estimateUsd: 0.5 }), undefined);
  });
});
