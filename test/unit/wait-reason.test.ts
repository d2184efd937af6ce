// Why a provider call waits for a key: the reason a batch shows.
import assert from 'node:assert/strict';
import { restReasonOf, waitReason, WAIT_REASON_TEXT } from '../../domain/wait-reason';

describe('wait reasons', () => {
  it('says quota when a key has no room left or rests after a 429, whatever the others do', () => {
    assert.equal(waitReason([{ circuit: 'closed', restReason: null }, { circuit: 'open', restReason: 'failures' }]), 'quota');
    assert.equal(waitReason([{ circuit: 'open', restReason: 'quota' }, { circuit: 'open', restReason: 'failures' }]), 'quota');
  });

  it('says provider errors only when every key rests after server errors or timeouts', () => {
    assert.equal(waitReason([{ circuit: 'open', restReason: 'failures' }, { circuit: 'open', restReason: 'failures' }]), 'provider_errors');
    assert.equal(waitReason([{ circuit: 'open', restReason: 'failures' }, { circuit: 'half_open', restReason: 'failures' }]), 'keys_resting');
    assert.equal(waitReason([{ circuit: 'open', restReason: null }]), 'keys_resting');
  });

  it('says no key when none is active, and names each reason in words', () => {
    assert.equal(waitReason([]), 'no_key');
    assert.equal(WAIT_REASON_TEXT.provider_errors, 'waiting out provider errors');
    assert.equal(restReasonOf({ kind: 'quota' }), 'quota');
    assert.equal(restReasonOf({ kind: 'failure', shared: false }), 'failures');
    assert.equal(restReasonOf({ kind: 'success' }), undefined);
  });
});
