// Pronunciations in the planned TTS requests: <phoneme> for SSML voices, escaped and inside the 5,000-byte limit.
import assert from 'node:assert/strict';
import { planNarration } from '../../adapters/tts';
import { TTS_MAX_INPUT_BYTES, utf8Bytes } from '../../domain/chunking';
import { customPronunciationsField, pronunciationMechanism, pronunciationNotes, ssmlWithPhonemes, termsIn, type Pronunciation } from '../../domain/pronunciation';
import { parseSsml } from '../../simulators/tts';
import { phonemesIn } from '../../simulators/tts-quality';

const terms: Pronunciation[] = [
  { term: 'Nguyễn', alphabet: 'ipa', pronunciation: 'ŋwiən˧˥' },
  { term: 'AT&T', alphabet: 'x-sampa', pronunciation: '"eI ti: @n "ti:' },
  { term: 'Bolt IA', alphabet: 'ipa', pronunciation: 'boʊlt aɪ eɪ' },
  { term: 'IA', alphabet: 'ipa', pronunciation: 'iː ɑː' },
];

describe('custom pronunciations', () => {
  it('chooses the mechanism each family documents', () => {
    assert.equal(pronunciationMechanism('en-US-Neural2-C'), 'ssml-phoneme');
    assert.equal(pronunciationMechanism('en-US-Wavenet-A'), 'ssml-phoneme');
    assert.equal(pronunciationMechanism('en-US-Chirp3-HD-Charon'), 'custom-pronunciations');
    assert.equal(pronunciationMechanism('en-US-Journey-D'), 'none');
  });

  it('wraps whole terms (longest first) in <phoneme> and escapes text, terms and pronunciations', () => {
    const ssml = ssmlWithPhonemes('Mr. Nguyễn of AT&T met Bolt IA, not IAN or IA.', terms);
    assert.equal(
      ssml,
      'Mr. <phoneme alphabet="ipa" ph="ŋwiən˧˥">Nguyễn</phoneme> of <phoneme alphabet="x-sampa" ph="&quot;eI ti: @n &quot;ti:">AT&amp;T</phoneme> met ' +
        '<phoneme alphabet="ipa" ph="boʊlt aɪ eɪ">Bolt IA</phoneme>, not IAN or <phoneme alphabet="ipa" ph="iː ɑː">IA</phoneme>.',
    );
    const parsed = parseSsml(`<speak>${ssml}</speak>`);
    assert.equal(parsed.segments.join(''), 'Mr. Nguyễn of AT&T met Bolt IA, not IAN or IA.');
    assert.equal(phonemesIn(ssml).length, 4);
  });

  it('keeps every request under 5,000 bytes as sent with the added markup, and the text intact', () => {
    const sentence = 'Nguyễn at AT&T & Bolt IA <say> "IA" again, Nguyễn. ';
    const text = sentence.repeat(400);
    const plan = planNarration({ text, language: 'en-US', voice: 'en-US-Neural2-C', pronunciations: terms });
    assert.ok(plan.length > 3);
    let phonemes = 0;
    for (const r of plan) {
      assert.ok('ssml' in r.input);
      assert.ok(r.bytes <= TTS_MAX_INPUT_BYTES && utf8Bytes(r.input.ssml) === r.bytes, `${r.bytes} bytes`);
      parseSsml(r.input.ssml);
      phonemes += phonemesIn(r.input.ssml).length;
    }
    assert.equal(phonemes, 400 * 5);
    assert.equal(plan.map((r) => r.units.map((u) => u.text).join('')).join(''), text);
  });

  it('sends the custom-pronunciation field shape of Cloud TTS, and notes terms a family cannot take', () => {
    assert.deepEqual(customPronunciationsField(termsIn('Meet Nguyễn.', terms)), {
      pronunciations: [{ phrase: 'Nguyễn', phoneticEncoding: 'PHONETIC_ENCODING_IPA', pronunciation: 'ŋwiən˧˥' }],
    });
    assert.deepEqual(pronunciationNotes('Meet Nguyễn at AT&T.', 'en-US-Journey-D', terms)?.notApplied.map((n) => n.term), ['Nguyễn', 'AT&T']);
    assert.deepEqual(pronunciationNotes('Meet Nguyễn.', 'en-US-Neural2-C', terms), { mechanism: 'ssml-phoneme', applied: ['Nguyễn'], notApplied: [] });
    assert.equal(pronunciationNotes('No terms here.', 'en-US-Neural2-C', terms), undefined);
  });
});
