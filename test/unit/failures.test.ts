import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { PROVIDER_FAULT_ATTEMPTS, PROVIDER_FAULT_MAX_DELAY_MS, PROVIDER_FAULT_PATIENCE_MS, providerFaultDelayMs, withStage } from '../../activities/failures';
import { BoltError, ErrorCode, Stage } from '../../domain/errors';

const failWith = (err: unknown, stage: Stage) => () => withStage(stage, async () => Promise.reject(err));

async function failureAt(attempt: number, err: unknown, stage: Stage, scheduledTimestampMs = 1): Promise<ApplicationFailure> {
  try {
    await new MockActivityEnvironment({ attempt, scheduledTimestampMs }).run(failWith(err, stage));
  } catch (e) {
    assert.ok(e instanceof ApplicationFailure);
    return e;
  }
  throw new Error('the activity did not fail');
}

describe('activity failures', () => {
  const fault = new BoltError(ErrorCode.providerUnavailable, 'TTS server error 503', { stage: Stage.synthesis, retryable: true });
  const quota = new BoltError(ErrorCode.quotaExhausted, 'quota exhausted', { stage: Stage.synthesis, retryable: true });

  it('keeps provider faults retryable until the attempt limit, then gives up with the reason', async () => {
    const early = await failureAt(PROVIDER_FAULT_ATTEMPTS - 1, fault, Stage.synthesis);
    assert.equal(early.nonRetryable, false);
    assert.equal(early.type, ErrorCode.providerUnavailable);
    const last = await failureAt(PROVIDER_FAULT_ATTEMPTS, fault, Stage.synthesis);
    assert.equal(last.nonRetryable, true);
    assert.match(last.message, /TTS server error 503 \(gave up after 10 attempts\)/);
    assert.deepEqual(last.details, [{ stage: 'synthesis' }]);
  });

  it('gives up only once the patience has passed too, and retries provider faults after at most 8 s', async () => {
    const recent = Date.now() - PROVIDER_FAULT_PATIENCE_MS / 2;
    const stillTrying = await failureAt(PROVIDER_FAULT_ATTEMPTS + 5, fault, Stage.synthesis, recent);
    assert.equal(stillTrying.nonRetryable, false);
    assert.equal(stillTrying.nextRetryDelay, PROVIDER_FAULT_MAX_DELAY_MS);
    assert.equal((await failureAt(PROVIDER_FAULT_ATTEMPTS, fault, Stage.synthesis, Date.now() - PROVIDER_FAULT_PATIENCE_MS - 1000)).nonRetryable, true);
    assert.deepEqual([1, 2, 3, 4, 5, 30].map(providerFaultDelayMs), [1000, 2000, 4000, 8000, 8000, 8000]);
    assert.equal((await failureAt(2, fault, Stage.master)).nextRetryDelay, 2000);
    // Quota waits keep the pool's own delay; failures outside provider calls keep the workflow's backoff.
    assert.equal((await failureAt(2, quota, Stage.synthesis)).nextRetryDelay, undefined);
    assert.equal((await failureAt(2, new Error('connection terminated'), Stage.bookkeeping)).nextRetryDelay, undefined);
  });

  it('never gives up on quota waits, nor on bookkeeping (a database restart)', async () => {
    assert.equal((await failureAt(500, quota, Stage.synthesis)).nonRetryable, false);
    assert.equal((await failureAt(500, new Error('connection terminated'), Stage.bookkeeping)).nonRetryable, false);
  });

  it('keeps non-retryable outcomes non-retryable from the first attempt', async () => {
    const blocked = new BoltError(ErrorCode.contentBlocked, 'Gemini stopped the script for SAFETY', { stage: Stage.master });
    const f = await failureAt(1, blocked, Stage.master);
    assert.equal(f.nonRetryable, true);
    assert.equal(f.type, 'content_blocked');
  });
});
