import assert from 'node:assert/strict';
import { ErrorCode } from '../../domain/errors';
import { OUTCOMES, Outcome, classifyFailure, classifyFinish, durationMs, outcomeError } from '../../domain/provider-outcomes';

const retryInfo = (d: unknown) => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: d });
const quotaFailure = (quotaId: string) => ({ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId }] });

describe('provider outcome table', () => {
  it('gives each outcome one code and one retry decision', () => {
    assert.deepEqual(
      Object.fromEntries(Object.entries(OUTCOMES).map(([k, v]) => [k, [v.code, v.retryable]])),
      {
        content_refusal: [ErrorCode.contentBlocked, false],
        truncated: [ErrorCode.truncated, false],
        quota: [ErrorCode.quotaExhausted, true],
        key_problem: [ErrorCode.keyInvalid, true],
        server_fault: [ErrorCode.providerUnavailable, true],
        bad_request: [ErrorCode.badRequest, false],
      },
    );
  });

  it('classifies finish reasons and prompt blocks', () => {
    for (const r of ['SAFETY', 'RECITATION', 'PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII']) assert.equal(classifyFinish({ finishReason: r })?.outcome, Outcome.contentRefusal);
    assert.deepEqual(classifyFinish({ finishReason: 'STOP', blockReason: 'OTHER' }), { outcome: Outcome.contentRefusal, reason: 'OTHER' });
    assert.equal(classifyFinish({ finishReason: 'MAX_TOKENS' })?.outcome, Outcome.truncated);
    assert.equal(classifyFinish({ finishReason: 'STOP' }), undefined);
  });

  const cases: Array<[string, Parameters<typeof classifyFailure>[0], Partial<ReturnType<typeof classifyFailure>>]> = [
    ['per-minute quota', { status: 429, statusName: 'RESOURCE_EXHAUSTED', message: 'x', details: [quotaFailure('GenerateRequestsPerMinutePerProjectPerModel-FreeTier'), retryInfo('36s')] }, { outcome: 'quota', quotaScope: 'minute', retryAfterMs: 36000 }],
    ['per-day quota', { status: 429, message: 'x', details: [quotaFailure('GenerateRequestsPerDayPerProjectPerModel'), retryInfo({ seconds: 3600, nanos: 500_000_000 })] }, { outcome: 'quota', quotaScope: 'day', retryAfterMs: 3_600_500 }],
    ['quota scope from the message', { status: 429, message: "limit 'Synthesize requests per minute per project'" }, { outcome: 'quota', quotaScope: 'minute' }],
    ['invalid key', { status: 400, statusName: 'INVALID_ARGUMENT', message: 'API key not valid.', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }] }, { outcome: 'key_problem', reason: 'API_KEY_INVALID' }],
    ['forbidden', { status: 403, message: 'denied' }, { outcome: 'key_problem' }],
    ['server error', { status: 500, message: 'x' }, { outcome: 'server_fault' }],
    ['unavailable', { status: 503, message: 'x' }, { outcome: 'server_fault' }],
    ['deadline', { status: 504, message: 'x' }, { outcome: 'server_fault' }],
    ['timeout', { message: 'aborted', timedOut: true }, { outcome: 'server_fault', reason: 'TIMEOUT' }],
    ['other 400', { status: 400, statusName: 'INVALID_ARGUMENT', message: 'Voice does not exist' }, { outcome: 'bad_request' }],
    ['404', { status: 404, message: 'model not found' }, { outcome: 'bad_request' }],
  ];
  for (const [name, facts, expected] of cases) {
    it(`classifies ${name}`, () => {
      const c = classifyFailure(facts);
      for (const [k, v] of Object.entries(expected)) assert.equal(c[k as keyof typeof c], v, `${name}: ${k}`);
      const err = outcomeError(c, 'm');
      assert.equal(err.code, OUTCOMES[c.outcome].code);
      assert.equal(err.retryable, OUTCOMES[c.outcome].retryable);
      assert.equal(err.retryAfterMs, c.retryAfterMs);
    });
  }

  it('reads protobuf durations in both encodings', () => {
    assert.equal(durationMs('1.5s'), 1500);
    assert.equal(durationMs({ seconds: '2', nanos: 0 }), 2000);
    assert.equal(durationMs('soon'), undefined);
  });
});
