// Custom pronunciations reaching the TTS simulator through the production SDK client: `<phoneme>` for an SSML
// voice, `input.customPronunciations` for Chirp 3: HD, a note for a family that takes neither; and end to end
// from a saved agent (versioned) to the job's view.
/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely; the assertions check them. */
import assert from 'node:assert/strict';
import { createTtsClient, synthesizeNarration } from '../../adapters/tts';
import type { Pronunciation } from '../../domain/pronunciation';
import { startSimulators, type SimulatorServer } from '../../simulators/server';
import { call } from '../support/http';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';

const terms: Pronunciation[] = [
  { term: 'Nguyễn', alphabet: 'ipa', pronunciation: 'ŋwiən˧˥' },
  { term: 'Bolt IA', alphabet: 'x-sampa', pronunciation: 'b@Ult aI eI' },
];
const text = 'Nguyễn founded Bolt IA & friends. Later, Nguyễn said "Bolt IA" out loud.';

describe('custom pronunciations through the TTS simulator', function () {
  this.timeout(300_000);
  let sim: SimulatorServer;
  before(async () => {
    sim = await startSimulators({ tts: { speech: 'tone' } });
  });
  after(() => sim.close());

  const speak = (voice: string) =>
    synthesizeNarration(createTtsClient({ apiKey: 'pron-key-0001', baseUrl: sim.url }), { text, language: 'en-US', voice, encoding: 'LINEAR16', pronunciations: terms, loudness: 'off' });

  it('an SSML voice receives <phoneme> around each term, escaped, and the job notes them applied', async () => {
    const from = sim.tts.receivedInputs.total;
    const narration = await speak('en-US-Neural2-C');
    const got = sim.tts.receivedInputs.since(from);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.kind, 'ssml');
    assert.deepEqual(
      got[0]!.phonemes.map((p) => [p.alphabet, p.ph, p.text]),
      [
        ['ipa', 'ŋwiən˧˥', 'Nguyễn'],
        ['x-sampa', 'b@Ult aI eI', 'Bolt IA'],
        ['ipa', 'ŋwiən˧˥', 'Nguyễn'],
        ['x-sampa', 'b@Ult aI eI', 'Bolt IA'],
      ],
    );
    assert.match(got[0]!.input, /Bolt IA<\/phoneme> &amp; friends/);
    assert.equal(got[0]!.customPronunciations, undefined);
    assert.deepEqual(narration.pronunciations, { mechanism: 'ssml-phoneme', applied: ['Nguyễn', 'Bolt IA'], notApplied: [] });
  });

  it('a Chirp 3: HD voice receives input.customPronunciations (plain text, no <phoneme>)', async () => {
    const from = sim.tts.receivedInputs.total;
    const narration = await speak('en-US-Chirp3-HD-Charon');
    const got = sim.tts.receivedInputs.since(from);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.kind, 'text');
    assert.equal(got[0]!.input, text);
    assert.deepEqual(got[0]!.customPronunciations, [
      { phrase: 'Nguyễn', phoneticEncoding: 'PHONETIC_ENCODING_IPA', pronunciation: 'ŋwiən˧˥' },
      { phrase: 'Bolt IA', phoneticEncoding: 'PHONETIC_ENCODING_X_SAMPA', pronunciation: 'b@Ult aI eI' },
    ]);
    assert.equal(narration.pronunciations?.mechanism, 'custom-pronunciations');
  });

  it('a family with neither (Chirp HD) gets plain text and the job notes which terms could not be applied', async () => {
    const from = sim.tts.receivedInputs.total;
    const narration = await speak('en-US-Chirp-HD-D');
    const got = sim.tts.receivedInputs.since(from);
    assert.equal(got[0]!.kind, 'text');
    assert.equal(got[0]!.customPronunciations, undefined);
    assert.deepEqual(narration.pronunciations?.applied, []);
    assert.deepEqual(narration.pronunciations?.notApplied.map((n) => n.term), ['Nguyễn', 'Bolt IA']);
    assert.match(narration.pronunciations!.notApplied[0]!.reason, /neither SSML <phoneme> nor custom pronunciations/);
  });

  it('the simulator refuses custom pronunciations for a voice that does not take them', async () => {
    const res = await fetch(`${sim.url}/v1/text:synthesize?key=pron-key-0001`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        input: { text, customPronunciations: { pronunciations: [{ phrase: 'Nguyễn', phoneticEncoding: 'PHONETIC_ENCODING_IPA', pronunciation: 'x' }] } },
        voice: { languageCode: 'en-US', name: 'en-US-Neural2-C' },
        audioConfig: { audioEncoding: 'LINEAR16' },
      }),
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /does not support custom pronunciations/);
  });
});

describe('pronunciations from a saved agent to the job (real stack)', function () {
  this.timeout(600_000);
  let stack: TestStack;
  let user: { token: string };
  before(async function () {
    this.timeout(900_000);
    stack = await testStack();
    user = await newTestUser(stack, 'pron');
  });

  it('versions them with the agent, refuses bad ones, and applies them as the voice family allows', async () => {
    const fields = { name: 'Narrator', premisePrompt: 'Explain.', structurePrompt: 'Hook, body, end.', tone: 'calm', targetMinutes: 0.5, masterLanguage: 'en-US' };
    const bad = await call(stack, user.token, 'POST', '/api/agents', { ...fields, pronunciations: [{ term: 'x', alphabet: 'x-sampa', pronunciation: 'ŋ' }] });
    assert.equal(bad.status, 400, bad.text);
    const dup = await call(stack, user.token, 'POST', '/api/agents', { ...fields, pronunciations: [terms[0], terms[0]] });
    assert.equal(dup.status, 400, dup.text);
    const v1 = await call(stack, user.token, 'POST', '/api/agents', fields);
    assert.equal(v1.status, 201, v1.text);
    assert.deepEqual(v1.json.agent.pronunciations, []);
    // Simulated scripts are UDHR text: "the" is certain to occur in them.
    const the: Pronunciation = { term: 'the', alphabet: 'ipa', pronunciation: 'ðiː' };
    const v2 = await call(stack, user.token, 'PUT', `/api/agents/${v1.json.agent.id}`, { ...fields, pronunciations: [the], loudness: -14 });
    assert.equal(v2.status, 200, v2.text);
    assert.equal(v2.json.agent.version, 2);
    assert.deepEqual(v2.json.agent.pronunciations, [the]);
    assert.equal(v2.json.agent.loudness, -14);
    const versions = await call(stack, user.token, 'GET', `/api/agents/${v1.json.agent.id}/versions`);
    assert.deepEqual(versions.json.versions.map((v: any) => v.pronunciations.length), [0, 1]);

    const from = stack.simulators!.tts.receivedInputs.total;
    const created = await call(stack, user.token, 'POST', '/api/batches', {
      mode: 'expand_languages',
      titles: ['How harbours shelter boats'],
      languages: [
        { language: 'en-US', voice: 'en-US-Neural2-C' },
        { language: 'en-GB', voice: 'en-GB-Chirp3-HD-Charon' },
      ],
      agentId: v1.json.agent.id,
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.batch.id;
    await eventually(async () => {
      const r = await call(stack, user.token, 'GET', `/api/batches/${id}`);
      return r.json.batch.status === 'completed' ? r.json.batch : undefined;
    }, 'the batch to complete', 600_000, 500);
    const list = await call(stack, user.token, 'GET', `/api/batches/${id}/jobs`);
    const views = await Promise.all(list.json.jobs.map(async (j: any) => (await call(stack, user.token, 'GET', `/api/jobs/${j.id}`)).json.job));
    const byVoice = new Map(views.map((j: any) => [j.voice, j]));
    assert.deepEqual(byVoice.get('en-US-Neural2-C').pronunciations, { mechanism: 'ssml-phoneme', applied: ['the'], notApplied: [] });
    assert.equal(byVoice.get('en-GB-Chirp3-HD-Charon').pronunciations.mechanism, 'custom-pronunciations');
    // The agent's loudness target (-14) applies, since the batch set none.
    assert.equal(byVoice.get('en-US-Neural2-C').loudness.target, -14);
    const got = stack.simulators!.tts.receivedInputs.since(from);
    assert.ok(got.some((r) => r.voice === 'en-US-Neural2-C' && r.phonemes.some((p) => p.ph === 'ðiː' && p.text === 'the')), 'phoneme reached the SSML voice');
    assert.ok(got.some((r) => r.voice === 'en-GB-Chirp3-HD-Charon' && r.customPronunciations?.some((p) => p.phrase === 'the')), 'custom pronunciation reached Chirp 3: HD');
  });
});
