// The TTS simulator's espeak-ng speech: a voice espeak lacks falls back to the tone, without an uncaught EPIPE.
import assert from 'node:assert/strict';
import { hasEspeak, nominalSeconds, pitchedNote, SIM_SAMPLE_RATE, speak } from '../../simulators/speech';
import { atVoiceLevel } from '../../simulators/tts-quality';

describe('simulated speech (espeak-ng)', function () {
  this.timeout(60_000);

  it('falls back to the tone when espeak-ng quits before reading a long text', async () => {
    assert.ok(hasEspeak(), 'espeak-ng is installed (npm run setup:tools)');
    // espeak-ng exits at once for an unknown voice; the text is far larger than a pipe buffer, so the write fails.
    // A high speaking rate keeps the tone short.
    const text = 'word '.repeat(100_000);
    for (let i = 0; i < 10; i++) {
      const pcm = await speak(text, 'zz-ZZ', 1000);
      assert.equal(pcm.sampleRate, SIM_SAMPLE_RATE);
      assert.equal(pcm.samples.length, Math.round(nominalSeconds(text, 1000) * SIM_SAMPLE_RATE));
    }
  });

  it("the tone's notes follow the two sines they are made of, to within one step of 16 bits", () => {
    for (const length of [1, 2, 500, 9600, 120_000]) {
      for (const freq of [140, 231, 317]) {
        const note = pitchedNote(freq, length);
        assert.equal(note.length, length);
        let worst = 0;
        for (let i = 0; i < length; i++) {
          const exact = 9000 * Math.sin((Math.PI * i) / length) * Math.sin((2 * Math.PI * freq * i) / SIM_SAMPLE_RATE);
          worst = Math.max(worst, Math.abs(note[i]! - exact));
        }
        assert.ok(worst <= 1, `${freq} Hz, ${length} samples: off by ${worst}`);
      }
    }
  });

  it('puts every 16-bit value at a voice level as the formula does, rounded and clamped', () => {
    const all = new Int16Array(65536).map((_, i) => i - 32768);
    for (const db of [-12, -4, 0, 0.5, 6]) {
      const g = 10 ** (db / 20);
      const out = atVoiceLevel({ sampleRate: SIM_SAMPLE_RATE, samples: all }, db).samples;
      for (let i = 0; i < all.length; i++) {
        const want = Math.max(-32768, Math.min(32767, Math.round(all[i]! * g)));
        if (out[i] !== want) assert.fail(`${db} dB: ${all[i]} gave ${out[i]}, not ${want}`);
      }
    }
    assert.ok(all.every((v, i) => v === i - 32768), 'the input is left as it was');
  });

  it("speaks the tone at a voice's level as the level applied to it afterwards, the same each time its notes are reused", async () => {
    const text = 'Volcanoes build islands, one eruption after another, over a million quiet years.';
    const plain = await speak(text, 'en-US', 1, 'tone');
    for (const db of [-8, -4, 3]) {
      const expected = atVoiceLevel(plain, db).samples;
      for (let round = 0; round < 2; round++) assert.deepEqual((await speak(text, 'en-US', 1, 'tone', db)).samples, expected, `${db} dB, round ${round}`);
    }
    assert.deepEqual((await speak(text, 'en-US', 1, 'tone')).samples, plain.samples, 'the level-0 notes are left as they were');
  });
});
