// The key breaker's state machine, transition by transition, and the quota reset times it relies on.
import assert from 'node:assert/strict';
import {
  Circuit,
  DEFAULT_BREAKER_POLICY,
  backoffMs,
  canLease,
  closedBreaker,
  leasableAt,
  onLease,
  onOutcome,
  onProjectQuota,
  quotaResetAt,
  sharedFailure,
  SHARED_FAILURE_WINDOW_MS,
  type BreakerState,
} from '../../domain/breaker';
import { BODY_SENT_TO_ARRIVAL_MS, countRequests, headroomAt, MODEL_RPM_WINDOW_MS, recentRequests, nextMinute, nextQuotaMidnight, quotaDay, restampRequests, RPM_WINDOW_MS, SEND_TO_ARRIVAL_MS, type Usage } from '../../domain/quota';

const policy = { ...DEFAULT_BREAKER_POLICY, failureThreshold: 3, backoffBaseMs: 1000, backoffMaxMs: 5000, probeTimeoutMs: 30_000 };
const t0 = new Date('2026-11-25T10:15:30.500Z');
const later = (ms: number, from = t0) => new Date(from.getTime() + ms);
const open = (reopenAt: Date, openings = 1): BreakerState => ({ circuit: Circuit.open, consecutiveFailures: 0, openings, reopenAt });
const halfOpen = (openings = 1): BreakerState => ({ circuit: Circuit.halfOpen, consecutiveFailures: 0, openings, reopenAt: later(policy.probeTimeoutMs) });

const recentRequestsCount = (u: Usage, now: Date) => recentRequests(u, now).length;

describe('key breaker', () => {
  describe('failures every key sees alike', () => {
    it('a shared failure leaves a closed key closed, however many come in a row; its own failures still open it', () => {
      let s = closedBreaker();
      for (let i = 0; i < 10; i++) s = onOutcome(s, { kind: 'failure', shared: true }, t0, policy).state;
      assert.deepEqual(s, closedBreaker());
      for (let i = 0; i < 3; i++) s = onOutcome(s, { kind: 'failure' }, t0, policy).state;
      assert.equal(s.circuit, 'open');
    });

    it('a probe that fails re-opens the key even when the failure is shared', () => {
      assert.equal(onOutcome(halfOpen(), { kind: 'failure', shared: true }, t0, policy).state.circuit, 'open');
    });

    it('quota rests do not lengthen the next rest for failures', () => {
      let s = onOutcome(halfOpen(1), { kind: 'failure' }, t0, policy).state;
      assert.equal(s.openings, 2);
      for (let i = 0; i < 4; i++) s = onOutcome({ ...s, circuit: Circuit.halfOpen }, { kind: 'quota', retryAfterMs: 2000 }, t0, policy).state;
      assert.equal(s.openings, 2, 'four 429s later');
      const failed = onOutcome({ ...s, circuit: Circuit.halfOpen }, { kind: 'failure' }, t0, policy).state;
      assert.deepEqual({ openings: failed.openings, reopenAt: failed.reopenAt }, { openings: 3, reopenAt: later(4000) });
    });

    it('a probe that fails as every key does rests the key as long as last time; one of its own doubles the rest', () => {
      const shared = onOutcome(halfOpen(2), { kind: 'failure', shared: true }, t0, policy).state;
      assert.deepEqual({ openings: shared.openings, reopenAt: shared.reopenAt }, { openings: 2, reopenAt: later(2000) });
      const own = onOutcome(halfOpen(2), { kind: 'failure' }, t0, policy).state;
      assert.deepEqual({ openings: own.openings, reopenAt: own.reopenAt }, { openings: 3, reopenAt: later(4000) });
      // However many shared probe failures come in a row, the rest does not grow.
      let s = halfOpen(1);
      for (let i = 0; i < 6; i++) s = { ...onOutcome(s, { kind: 'failure', shared: true }, t0, policy).state, circuit: Circuit.halfOpen };
      assert.equal(s.openings, 1);
    });

    it('is shared only when every other key failed within the window, and never for a lone key', () => {
      const recent = { lastErrorAt: later(-1000) };
      const old = { lastErrorAt: later(-SHARED_FAILURE_WINDOW_MS - 1) };
      assert.equal(sharedFailure([recent, recent], t0), true);
      assert.equal(sharedFailure([recent, old], t0), false);
      assert.equal(sharedFailure([recent, { lastErrorAt: null }], t0), false);
      assert.equal(sharedFailure([], t0), false);
      // A key resting for its failures makes no calls: it counts as failing, however old its last error.
      assert.equal(sharedFailure([recent, { ...old, restingForFailures: true }], t0), true);
      assert.equal(sharedFailure([{ lastErrorAt: null, restingForFailures: true }], t0), true);
      assert.equal(sharedFailure([old, { ...recent, restingForFailures: false }], t0), false);
    });
  });

  describe('closed', () => {
    it('is leasable and a lease leaves it closed', () => {
      const s = closedBreaker();
      assert.equal(canLease(s, t0), true);
      assert.deepEqual(onLease(s, t0, policy), s);
    });

    it('counts retryable failures and opens at the threshold with the base backoff', () => {
      let s = closedBreaker();
      s = onOutcome(s, { kind: 'failure' }, t0, policy).state;
      assert.deepEqual(s, { circuit: 'closed', consecutiveFailures: 1, openings: 0, reopenAt: null });
      s = onOutcome(s, { kind: 'failure' }, t0, policy).state;
      assert.equal(s.circuit, 'closed');
      assert.equal(s.consecutiveFailures, 2);
      s = onOutcome(s, { kind: 'failure' }, t0, policy).state;
      assert.deepEqual(s, { circuit: 'open', consecutiveFailures: 0, openings: 1, reopenAt: later(1000) });
    });

    it('forgets earlier failures after a success', () => {
      const s = onOutcome({ ...closedBreaker(), consecutiveFailures: 2 }, { kind: 'success' }, t0, policy).state;
      assert.deepEqual(s, closedBreaker());
      assert.equal(onOutcome(s, { kind: 'failure' }, t0, policy).state.circuit, 'closed');
    });

    it('opens at once on a quota 429, for the RetryInfo delay, and rests the whole project', () => {
      const tr = onOutcome(closedBreaker(), { kind: 'quota', retryAfterMs: 7000 }, t0, policy);
      // A quota rest is not an opening for failures: the next failure rest starts again from the base.
      assert.deepEqual(tr.state, open(later(7000), 0));
      assert.deepEqual(tr.projectReopenAt, later(7000));
      assert.equal(tr.disable, undefined);
    });

    it('is disabled, with the reason, when Google rejects the key', () => {
      const tr = onOutcome(closedBreaker(), { kind: 'invalid', reason: 'API key not valid' }, t0, policy);
      assert.equal(tr.disable, 'API key not valid');
      assert.deepEqual(tr.state, closedBreaker());
    });
  });

  describe('open', () => {
    it('cannot be leased before its reopen time, and says when it can', () => {
      const s = open(later(5000));
      assert.equal(canLease(s, later(4999)), false);
      assert.deepEqual(leasableAt(s, t0), later(5000));
      assert.throws(() => onLease(s, t0, policy), /circuit is open/);
    });

    it('becomes half-open when its rest is over: that lease is the single probe', () => {
      const s = onLease(open(later(5000)), later(5000), policy);
      assert.deepEqual(s, { circuit: 'half_open', consecutiveFailures: 0, openings: 1, reopenAt: later(5000 + policy.probeTimeoutMs) });
    });

    it('keeps resting when a late success or failure from before the opening arrives', () => {
      const s = open(later(60_000));
      assert.deepEqual(onOutcome(s, { kind: 'success' }, t0, policy).state, s);
      assert.deepEqual(onOutcome(s, { kind: 'failure' }, t0, policy).state, s);
    });

    it('extends to a later quota reset but never shortens a longer rest', () => {
      assert.deepEqual(onOutcome(open(later(1000)), { kind: 'quota', retryAfterMs: 9000 }, t0, policy).state.reopenAt, later(9000));
      assert.deepEqual(onOutcome(open(later(20_000)), { kind: 'quota', retryAfterMs: 9000 }, t0, policy).state.reopenAt, later(20_000));
    });

    it('is disabled when Google rejects the key', () => {
      assert.equal(onOutcome(open(later(1000)), { kind: 'invalid', reason: 'revoked' }, t0, policy).disable, 'revoked');
    });
  });

  describe('half-open', () => {
    it('refuses a second probe while the first is in flight, and allows one after the probe timeout', () => {
      const s = halfOpen();
      assert.equal(canLease(s, later(1000)), false);
      assert.equal(canLease(s, later(policy.probeTimeoutMs)), true);
      assert.equal(onLease(s, later(policy.probeTimeoutMs), policy).circuit, 'half_open');
    });

    it('closes on the probe\'s success', () => {
      assert.deepEqual(onOutcome(halfOpen(3), { kind: 'success' }, t0, policy).state, closedBreaker());
    });

    it('re-opens on the probe\'s failure with a doubled backoff, capped', () => {
      let s = onOutcome(halfOpen(1), { kind: 'failure' }, t0, policy).state;
      assert.deepEqual(s, open(later(2000), 2));
      s = onOutcome(halfOpen(2), { kind: 'failure' }, t0, policy).state;
      assert.deepEqual(s, open(later(4000), 3));
      s = onOutcome(halfOpen(6), { kind: 'failure' }, t0, policy).state;
      assert.deepEqual(s, open(later(5000), 7));
      assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, policy)), [1000, 2000, 4000, 5000]);
    });

    it('re-opens until the quota reset when the probe meets a 429', () => {
      const tr = onOutcome(halfOpen(1), { kind: 'quota', scope: 'day' }, t0, policy);
      assert.equal(tr.state.circuit, 'open');
      assert.deepEqual(tr.state.reopenAt, nextQuotaMidnight(t0));
    });

    it('is disabled when the probe finds the key invalid', () => {
      assert.equal(onOutcome(halfOpen(), { kind: 'invalid', reason: 'API_KEY_INVALID' }, t0, policy).disable, 'API_KEY_INVALID');
    });
  });

  describe('a project that spent its quota', () => {
    it('rests every key of the project until the reset, without shortening a longer rest', () => {
      assert.deepEqual(onProjectQuota(closedBreaker(), later(3000)), open(later(3000), 0));
      assert.deepEqual(onProjectQuota(open(later(9000)), later(3000)), open(later(9000)));
      assert.deepEqual(onProjectQuota(halfOpen(2), later(3000)), halfOpen(2), 'a probe in flight answers for itself');
    });
  });
});

describe('quota reset times', () => {
  it('a per-minute quota without RetryInfo resets at the next minute', () => {
    assert.deepEqual(quotaResetAt(t0, {}), new Date('2026-11-25T10:16:00.000Z'));
    assert.deepEqual(quotaResetAt(t0, { scope: 'minute' }), new Date('2026-11-25T10:16:00.000Z'));
    assert.deepEqual(nextMinute(new Date('2026-11-25T10:59:59.999Z')), new Date('2026-11-25T11:00:00.000Z'));
  });

  it('RetryInfo wins for a per-minute quota', () => {
    assert.deepEqual(quotaResetAt(t0, { scope: 'minute', retryAfterMs: 42_000 }), later(42_000));
  });

  it('a per-day quota resets at midnight Pacific, standard time (UTC−8)', () => {
    // 10:15 UTC on 25 Nov is 02:15 PST: the next midnight is 26 Nov 00:00 PST = 08:00 UTC.
    assert.deepEqual(quotaResetAt(t0, { scope: 'day', retryAfterMs: 5000 }), new Date('2026-11-26T08:00:00.000Z'));
    // 07:59 UTC on 26 Nov is still 25 Nov 23:59 PST.
    assert.deepEqual(nextQuotaMidnight(new Date('2026-11-26T07:59:59.000Z')), new Date('2026-11-26T08:00:00.000Z'));
    assert.deepEqual(nextQuotaMidnight(new Date('2026-11-26T08:00:00.000Z')), new Date('2026-11-27T08:00:00.000Z'));
  });

  it('a per-day quota resets at midnight Pacific, daylight time (UTC−7)', () => {
    assert.deepEqual(nextQuotaMidnight(new Date('2026-07-04T12:00:00Z')), new Date('2026-07-05T07:00:00.000Z'));
  });

  it('handles the nights around the clock changes', () => {
    // 2026-03-08: clocks go forward at 02:00 PST; the night of 7→8 March still ends at 08:00 UTC.
    assert.deepEqual(nextQuotaMidnight(new Date('2026-03-07T20:00:00Z')), new Date('2026-03-08T08:00:00.000Z'));
    // The next night is in PDT.
    assert.deepEqual(nextQuotaMidnight(new Date('2026-03-08T12:00:00Z')), new Date('2026-03-09T07:00:00.000Z'));
    // 2026-11-01: clocks go back at 02:00 PDT; midnight of 1 Nov was PDT, midnight of 2 Nov is PST.
    assert.deepEqual(nextQuotaMidnight(new Date('2026-11-01T12:00:00Z')), new Date('2026-11-02T08:00:00.000Z'));
    assert.deepEqual(nextQuotaMidnight(new Date('2026-10-31T12:00:00Z')), new Date('2026-11-01T07:00:00.000Z'));
  });

  it('counts the day in Pacific time', () => {
    assert.equal(quotaDay(new Date('2026-11-26T07:59:59Z')), '2026-11-25');
    assert.equal(quotaDay(new Date('2026-11-26T08:00:00Z')), '2026-11-26');
  });
});

describe('quota headroom', () => {
  const empty: Usage = { rpm: 3, rpd: 5, minuteLog: [], dayWindow: null, dayCount: 0 };

  it('fills a sliding minute up to its RPM, then waits until the oldest request has left the window (a minute and 100 ms)', () => {
    // Never shorter than the provider's minute: the log's point is where the provider has surely counted a request.
    assert.ok(RPM_WINDOW_MS >= 60_000 && RPM_WINDOW_MS <= 60_500, `a window of ${RPM_WINDOW_MS} ms`);
    let u = empty;
    const times = [t0, later(10_000), later(20_000)];
    for (const at of times) {
      assert.deepEqual(headroomAt(u, at), at);
      u = { ...u, ...countRequests(u, at) };
    }
    assert.equal(u.minuteLog.length, 3);
    assert.deepEqual(headroomAt(u, later(20_000)), later(RPM_WINDOW_MS + 1), 'room when the first request leaves the window');
    // A new calendar minute does not reset a sliding window: 10:16:00 is only 29.5 s after the first request.
    assert.deepEqual(headroomAt(u, nextMinute(t0)), later(RPM_WINDOW_MS + 1));
    assert.deepEqual(headroomAt(u, later(RPM_WINDOW_MS + 1)), later(RPM_WINDOW_MS + 1));
    assert.deepEqual(countRequests(u, later(RPM_WINDOW_MS + 1)).minuteLog, [later(10_000), later(20_000), later(RPM_WINDOW_MS + 1)].map((d) => d.getTime()), 'old requests drop out of the log');
  });

  it('keeps the longer window for the minute logs of a model with its own quota', () => {
    const modelLog: Usage = { ...empty, rpd: null, rpm: 1, windowMs: MODEL_RPM_WINDOW_MS };
    const used = { ...modelLog, ...countRequests(modelLog, t0) };
    assert.deepEqual(headroomAt(used, later(RPM_WINDOW_MS + 1)), later(62_001), 'the end-stamped window would already have room');
    assert.deepEqual(headroomAt({ ...used, windowMs: undefined }, later(RPM_WINDOW_MS + 1)), later(RPM_WINDOW_MS + 1));
  });

  it('needs room for the whole cost of a multi-request call', () => {
    const u = { ...empty, rpd: null, minuteLog: [t0.getTime(), later(1000).getTime()] };
    assert.deepEqual(headroomAt(u, later(2000), 1), later(2000));
    assert.deepEqual(headroomAt(u, later(2000), 2), later(RPM_WINDOW_MS + 1), 'one of the two must leave first');
  });

  it('fills a day up to its RPD, then waits for midnight Pacific', () => {
    const u: Usage = { ...empty, rpm: null, dayWindow: quotaDay(t0), dayCount: 5 };
    assert.deepEqual(headroomAt(u, t0), nextQuotaMidnight(t0));
    assert.deepEqual(headroomAt({ ...u, dayWindow: '2026-11-24' }, t0), t0, 'yesterday\'s count does not count');
  });

  it('lets a request bigger than a window through on an empty window only', () => {
    const minuteOnly = { ...empty, rpd: null };
    assert.deepEqual(headroomAt(minuteOnly, t0, 10), t0);
    const used = { ...minuteOnly, ...countRequests(minuteOnly, t0, 1) };
    assert.deepEqual(headroomAt(used, t0, 10), later(RPM_WINDOW_MS + 1));
  });

  it('counts a finished call from its end: the window frees later, by the time the call took', () => {
    // Two calls leased at t0 (one of them a 2-request call) and one at +0.2 s; the 2-request call ends at +0.8 s.
    let u: Usage = { ...empty, rpd: null };
    u = { ...u, ...countRequests(u, t0, 2) };
    u = { ...u, ...countRequests(u, later(200), 1) };
    const moved = restampRequests(u.minuteLog, t0.getTime(), { sent: t0.getTime(), end: later(800).getTime() }, 2);
    assert.deepEqual(moved, [later(200), later(800), later(800)].map((d) => d.getTime()), 'in order, both requests of the call moved');
    assert.deepEqual(headroomAt({ ...u, minuteLog: moved }, later(6000)), later(200 + RPM_WINDOW_MS + 1), 'room when the call that ended first leaves');
    assert.deepEqual(restampRequests(u.minuteLog, later(9000).getTime(), { sent: later(9000).getTime(), end: later(10_000).getTime() }), u.minuteLog, 'a lease no longer logged moves nothing');
  });

  it('counts a long call from its send plus the send-to-arrival bound, not its end: a 6 s call does not hold the quota 66.5 s', () => {
    let u: Usage = { ...empty, rpd: null };
    u = { ...u, ...countRequests(u, t0, 1) };
    const moved = restampRequests(u.minuteLog, t0.getTime(), { sent: t0.getTime(), end: later(6000).getTime() });
    assert.ok(SEND_TO_ARRIVAL_MS < 6000);
    assert.deepEqual(moved, [t0.getTime() + SEND_TO_ARRIVAL_MS]);
    // Counted until send + the bound + the window, not until its end + the window.
    assert.equal(recentRequestsCount({ ...u, minuteLog: moved }, later(SEND_TO_ARRIVAL_MS + RPM_WINDOW_MS - 1)), 1);
    assert.equal(recentRequestsCount({ ...u, minuteLog: moved }, later(SEND_TO_ARRIVAL_MS + RPM_WINDOW_MS)), 0);
  });

  it('counts the bound from when the request left, not from the lease: a send 3 s after the lease counts 3 s later', () => {
    let u: Usage = { ...empty, rpd: null };
    u = { ...u, ...countRequests(u, t0, 1) };
    const moved = restampRequests(u.minuteLog, t0.getTime(), { sent: later(3000).getTime(), end: later(9000).getTime() });
    assert.deepEqual(moved, [later(3000).getTime() + SEND_TO_ARRIVAL_MS]);
    // A quick answer after a late send counts from its end, the earlier of the two.
    assert.deepEqual(restampRequests(u.minuteLog, t0.getTime(), { sent: later(3000).getTime(), end: later(3400).getTime() }), [later(3400).getTime()]);
  });

  it("counts a call from its body's send plus the shorter bound when Node's fetch said when the body left", () => {
    let u: Usage = { ...empty, rpd: null };
    u = { ...u, ...countRequests(u, t0, 1) };
    // Handed to the SDK at 0.1 s, body on the socket at 0.3 s, answered at 5 s.
    const at = { sent: later(100).getTime(), bodySent: later(300).getTime(), end: later(5000).getTime() };
    assert.ok(BODY_SENT_TO_ARRIVAL_MS < 4700 && BODY_SENT_TO_ARRIVAL_MS < SEND_TO_ARRIVAL_MS);
    assert.deepEqual(restampRequests(u.minuteLog, t0.getTime(), at), [later(300 + BODY_SENT_TO_ARRIVAL_MS).getTime()]);
    // A body that left 4 s after the hand-over (a loaded SDK) counts from then, not from the hand-over's bound.
    const late = { sent: later(100).getTime(), bodySent: later(4100).getTime(), end: later(9000).getTime() };
    assert.deepEqual(restampRequests(u.minuteLog, t0.getTime(), late), [later(4100 + BODY_SENT_TO_ARRIVAL_MS).getTime()]);
    // A quick answer still counts from its end, and a call of several requests from its end.
    assert.deepEqual(restampRequests(u.minuteLog, t0.getTime(), { ...at, end: later(500).getTime() }), [later(500).getTime()]);
    u = { ...u, ...countRequests(u, later(10), 1) };
    assert.deepEqual(restampRequests(u.minuteLog, t0.getTime(), at, 2), [later(10).getTime(), later(5000).getTime()]);
  });

  it('counts a call of several requests from its end: they leave one after another', () => {
    let u: Usage = { ...empty, rpd: null };
    u = { ...u, ...countRequests(u, t0, 3) };
    const moved = restampRequests(u.minuteLog, t0.getTime(), { sent: t0.getTime(), end: later(7000).getTime() }, 3);
    assert.deepEqual(moved, [7000, 7000, 7000].map((ms) => later(ms).getTime()));
  });

  it('keeps no log for keys without an RPM', () => {
    assert.deepEqual(countRequests({ ...empty, rpm: null }, t0, 4).minuteLog, []);
  });

  it('lets a whole minute of quota go at once (as the provider counts it), then waits for the window, not an even spread', () => {
    const u: Usage = { ...empty, rpm: 60, rpd: 100 };
    let usage = u;
    for (let n = 0; n < 60; n++) {
      assert.deepEqual(headroomAt(usage, t0), t0, `request ${n + 1} of the minute goes at once`);
      usage = { ...usage, ...countRequests(usage, t0) };
    }
    assert.deepEqual(headroomAt(usage, t0), later(RPM_WINDOW_MS + 1), 'the 61st waits for the first to leave the window');
    const nextWindow = later(RPM_WINDOW_MS + 1);
    assert.deepEqual(headroomAt(usage, nextWindow, 40), nextWindow, 'the next minute may go at once too, up to the day');
    assert.deepEqual(headroomAt({ ...usage, ...countRequests(usage, nextWindow, 40) }, later(2 * RPM_WINDOW_MS + 2)), nextQuotaMidnight(later(2 * RPM_WINDOW_MS + 2)), 'the day limit holds the rest to midnight');
  });
});
