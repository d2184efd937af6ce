// The simulators name a request answered with success more than once (the same prompt, the same synthesis), so a
// drill can say which paid call was bought twice, not only how many.
import assert from 'node:assert/strict';
import { startSimulators, type SimulatorServer } from '../../simulators/server';

const KEY = 'repeats-test-key-0001';

describe('simulators: repeated answers', () => {
  let sim: SimulatorServer;
  before(async () => {
    sim = await startSimulators({ tts: { speech: 'tone' } });
  });
  after(() => sim.close());

  const synthesize = (text: string) =>
    fetch(`${sim.url}/v1/text:synthesize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': KEY },
      body: JSON.stringify({ input: { text }, voice: { languageCode: 'en-US', name: 'en-US-Standard-C' }, audioConfig: { audioEncoding: 'LINEAR16' } }),
    });
  const generate = (text: string) =>
    fetch(`${sim.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
    });

  it('lists a synthesis answered twice with its voice, and not one answered once or refused', async () => {
    for (const text of ['Twice spoken.', 'Twice spoken.', 'Once spoken.']) {
      const res = await synthesize(text);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    const refused = await synthesize('');
    assert.equal(refused.status, 400);
    await refused.arrayBuffer();
    const repeats = sim.tts.counters.repeatedAnswers();
    assert.equal(repeats.length, 1, JSON.stringify(repeats));
    assert.equal(repeats[0]!.times, 2);
    assert.match(repeats[0]!.identity, /^synthesize en-US-Standard-C en-US #[0-9a-f]{12}$/);
    assert.equal(sim.tts.counters.snapshot().answered.synthesize, 3);
  });

  it('lists a Gemini prompt answered twice, and forgets it on reset', async () => {
    for (const text of ['Say hello.', 'Say hello.', 'Say goodbye.']) {
      const res = await generate(text);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    const repeats = sim.gemini.counters.repeatedAnswers();
    assert.deepEqual(repeats.map((r) => r.times), [2]);
    sim.gemini.counters.reset();
    assert.deepEqual(sim.gemini.counters.repeatedAnswers(), []);
  });
});
