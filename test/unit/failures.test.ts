import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { PROVIDER_FAULT_ATTEMPTS, withStage } from '../../activities/failures';
import { BoltError, ErrorCode, Stage } from '../../domain/errors';

const failWith = (err: unknown, stage: Stage) => () => withStage(stage, async () => Promise.reject(err));

async function failureAt(attempt: number, err: unknown, stage: Stage): Promise<ApplicationFailure> {
  try {
    await new MockActivityEnvironment({ attempt }).run(failWith(err, stage));
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
