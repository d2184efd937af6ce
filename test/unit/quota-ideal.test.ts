// The quota-bound ideal of the quota benchmark: computed from the quotas and the calls a batch needs.
import assert from 'node:assert/strict';
import { callsPerWindow, quotaBoundIdeal, type IdealInput } from '../../scripts/bench/quota-ideal';

const base: IdealInput = {
  titles: 40,
  languages: 5,
  ttsRequestsPerJob: 1,
  gemini: { keys: [{ project: 'p1', rpm: 60 }, { project: 'p2', rpm: 60 }], projectRpm: { p1: 60, p2: 60 } },
  tts: { keys: [{ project: null, rpm: 120 }, { project: null, rpm: 120 }] },
  geminiLatencyMs: 300,
  ttsLatencyMs: 300,
};

describe('quota-bound ideal', () => {
  it('counts a project at the smaller of its own RPM and its keys', () => {
    assert.equal(callsPerWindow({ keys: [{ project: 'p', rpm: 50 }, { project: 'p', rpm: 50 }, { project: null, rpm: 30 }], projectRpm: { p: 60 } }), 90);
    assert.equal(callsPerWindow({ keys: [{ project: 'p', rpm: 20 }] }), 20, 'a project without its own limit gives its keys');
  });

  it('spends a whole minute of quota at once: 200 Gemini calls at 120 per window take one window and the tail', () => {
    const ideal = quotaBoundIdeal(base);
    assert.equal(ideal.geminiCalls, 200);
    assert.equal(ideal.ttsCalls, 200);
    // 40 masters at 0 and 80 adaptations at 0.3 s fill the first window; the last 80 adaptations start as those
    // leave it (40 at 60 s, 40 at 60.3 s), then 300 ms of Gemini and 300 ms of TTS.
    assert.equal(ideal.seconds, 60.9);
    assert.equal(ideal.evenSpreadSeconds, 100, '200 calls at 2 per second');
  });

  it('needs the masters before the adaptations, and the script before the speech', () => {
    const one = quotaBoundIdeal({ ...base, titles: 1, languages: 3, ttsRequestsPerJob: 2 });
    // master 0–0.3 s, adaptations 0.3–0.6 s, two TTS requests one after another: 0.6–1.2 s.
    assert.equal(one.seconds, 1.2);
  });

  it('is bound by TTS when TTS has the smaller quota', () => {
    const ideal = quotaBoundIdeal({ ...base, titles: 10, languages: 1, ttsRequestsPerJob: 3, tts: { keys: [{ project: null, rpm: 10 }] } });
    // 30 requests at 10 per window: each job's first at 0.3 s (after its master), second at 60.3 s, third at 120.3 s.
    assert.equal(ideal.seconds, 120.6);
    assert.equal(ideal.evenSpreadSeconds, 180);
  });
});
