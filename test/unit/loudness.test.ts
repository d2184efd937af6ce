// Loudness normalisation of a whole narration, measured with the ebur128 library (BS.1770) it is built on: our
// build of the crate (native/ebur128-meter; its true peak computed only where it can exceed the sample peak), checked
// against the crate's published WebAssembly build and a model of its true-peak interpolator.
import assert from 'node:assert/strict';
import { measureLoudness, measureLoudnessSync, normaliseNarration } from '../../adapters/loudness';
import { gainAndLimit, int16ToFloat, parseLoudnessTarget } from '../../domain/loudness';
import { publishedMeter } from '../support/published-meter';

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The crate's true-peak interpolator (src/interp.rs of ebur128 0.1.6 and 0.1.11 alike), written out here: 48
 * Hann-windowed sinc taps split into `factor` phases (4× below 96 kHz, 2× below 192 kHz), each interpolated point a
 * weighted sum of the last 48 / factor samples.
 */
function interpolator(sampleRate: number): { taps: Float32Array[]; window: number } {
  const factor = sampleRate < 96_000 ? 4 : 2;
  const window = 48 / factor;
  const taps = Array.from({ length: factor }, () => new Float32Array(window));
  for (let j = 0; j < 48; j++) {
    const w = 0.5 * (1 - Math.cos((2 * Math.PI * j) / 48));
    const m = j - 24;
    taps[j % factor]![Math.floor(j / factor)] = Math.abs(m) > 1e-6 ? (w * Math.sin((m * Math.PI) / factor)) / ((m * Math.PI) / factor) : w;
  }
  return { taps, window };
}

/** The interpolator's largest |point| and |sample| (f32 sums, newest sample first), in dBTP. */
function modelTruePeak(x: Float32Array, sampleRate: number): number {
  const { taps, window } = interpolator(sampleRate);
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    peak = Math.max(peak, Math.abs(x[i]!));
    for (const phase of taps) {
      let acc = 0;
      for (let k = 0; k < window && i - k >= 0; k++) acc = Math.fround(acc + Math.fround(x[i - k]! * phase[k]!));
      peak = Math.max(peak, Math.abs(acc));
    }
  }
  return 20 * Math.log10(peak);
}

/** The crate's published WebAssembly build, which takes one sample per call. */
const published = publishedMeter();

const SR = 24000;
/** Speech-like bursts with a high crest factor, at `level` (linear peak). */
function bursts(seconds: number, level: number): Int16Array {
  return new Int16Array(SR * seconds).map((_, i) => {
    const env = Math.max(0, Math.sin((2 * Math.PI * 3 * i) / SR)) ** 4;
    return Math.round(32767 * level * env * (0.8 * Math.sin((2 * Math.PI * 180 * i) / SR) + 0.2 * Math.sin((2 * Math.PI * 2400 * i) / SR)));
  });
}

describe('loudness normalisation', () => {
  it('measures a -20 dBFS 997 Hz sine at about -23 LUFS with a -20 dBTP true peak (BS.1770 reference)', async () => {
    const s = new Float32Array(SR * 5).map((_, i) => 0.1 * Math.sin((2 * Math.PI * 997 * i) / SR));
    const m = await measureLoudness(s, SR);
    assert.ok(Math.abs(m.integratedLufs + 23) < 0.2, `${m.integratedLufs}`);
    assert.ok(Math.abs(m.truePeakDbtp + 20) < 0.2, `${m.truePeakDbtp}`);
  });

  for (const target of [-23, -16, -14] as const) {
    it(`brings quiet and loud narrations to ${target} LUFS with true peak ≤ -1 dBTP`, async () => {
      for (const level of [0.05, 0.9]) {
        const { report } = await normaliseNarration({ sampleRate: SR, samples: bursts(8, level) }, target);
        assert.ok(report.after, 'measured after');
        assert.ok(Math.abs(report.after.integratedLufs - target) <= 0.5, `${level}: ${JSON.stringify(report)}`);
        assert.ok(report.after.truePeakDbtp <= -1, `${level}: ${JSON.stringify(report)}`);
      }
    });
  }

  it('only measures when the target is off', async () => {
    const pcm = { sampleRate: SR, samples: bursts(3, 0.3) };
    const { samples: out, gain, report } = await normaliseNarration(pcm, 'off');
    assert.equal(out, undefined, 'the PCM is kept as it came');
    assert.equal(gain, undefined, 'no gain');
    assert.equal(report.after, undefined);
    assert.ok(report.before.integratedLufs < -10);
  });

  it('derives the loudness after plain gain without measuring again, and a measurement of the output agrees', async () => {
    for (const target of [-23, -16] as const) {
      const pcm = { sampleRate: SR, samples: bursts(8, 0.05) };
      const { samples, gain, report } = await normaliseNarration(pcm, target);
      assert.equal(samples, undefined, 'no float copy: the encoder applies the gain');
      assert.ok(gain !== undefined && gain > 1, `a gain to apply: ${gain}`);
      const out = int16ToFloat(pcm.samples).map((v) => v * gain);
      assert.equal(report.limited, false, JSON.stringify(report));
      assert.equal(report.after?.integratedLufs, target);
      const measured = await measureLoudness(out, SR);
      assert.ok(Math.abs(measured.integratedLufs - target) <= 0.05, `${target}: measured ${JSON.stringify(measured)}, reported ${JSON.stringify(report)}`);
      assert.ok(Math.abs(measured.truePeakDbtp - report.after.truePeakDbtp) <= 0.05, `${target}: measured ${JSON.stringify(measured)}, reported ${JSON.stringify(report)}`);
    }
  });

  it('limits ahead of a peak instead of clipping it', () => {
    const s = new Float32Array(2400);
    s[1200] = 1;
    s[1199] = 0.5;
    const { out, limited } = gainAndLimit(s, SR, 2, 0.5);
    assert.equal(limited, true);
    assert.ok(Math.max(...out.map(Math.abs)) <= 0.5 + 1e-6);
    assert.ok(out[1199]! < 0.5, 'the gain fell before the peak');
  });

  describe('the meter (our build of the crate)', () => {
    const signals = (sampleRate: number, seed: number): Array<[string, Float32Array]> => {
      const r = random(seed);
      const n = sampleRate * 2;
      return [
        ['white noise', new Float32Array(n).map(() => 0.8 * (r() * 2 - 1))],
        ['speech-like bursts', int16ToFloat(bursts(2, 0.7)).map((v) => v + 0.01 * (r() - 0.5))],
        ['sparse clicks in quiet noise', new Float32Array(n).map(() => (r() < 0.001 ? (r() < 0.5 ? -0.9 : 0.9) * r() : 0.02 * (r() - 0.5)))],
        // The points between alternating samples rise over a louder lone sample (the meter interpolates only near
        // samples that could lift a point over the sample peak: these must count).
        ['alternating samples under a louder click', new Float32Array(n).map((_, i) => (i === 100 ? 0.9 : i >= n / 2 && i < n / 2 + 40 ? (i % 2 ? -0.8 : 0.8) : 0.01 * (r() - 0.5)))],
        ['clipped square wave', new Float32Array(n).map((_, i) => (Math.floor(i / 7) % 2 ? 1 : -1) * (i % 1000 < 900 ? 1 : 0.3))],
        ['a tone under the gate', new Float32Array(n).map((_, i) => 0.0001 * Math.sin(i / 3))],
        ['silence', new Float32Array(n)],
        ['one sample', new Float32Array(n).map((_, i) => (i === 5 ? -0.25 : 0))],
      ];
    };

    for (const sampleRate of [16000, 24000, 48000, 96000]) {
      it(`equals the crate's published build and the model of its interpolator at ${sampleRate} Hz`, () => {
        for (const [name, x] of signals(sampleRate, sampleRate + 1)) {
          const ours = measureLoudnessSync(x, sampleRate);
          const theirs = published(x, sampleRate);
          // The same arithmetic: the integrated loudness to the last bit, the true peak but for its f32 rounding there.
          assert.equal(ours.integratedLufs, theirs.integratedLufs, `${name}: integrated`);
          if (Number.isFinite(theirs.truePeakDbtp)) assert.ok(Math.abs(ours.truePeakDbtp - theirs.truePeakDbtp) < 1e-5, `${name}: ${ours.truePeakDbtp} against ${theirs.truePeakDbtp} dBTP`);
          else assert.equal(ours.truePeakDbtp, theirs.truePeakDbtp, `${name}: true peak`);
          if (x.length <= 48000 && Number.isFinite(ours.truePeakDbtp)) assert.ok(Math.abs(ours.truePeakDbtp - modelTruePeak(x, sampleRate)) < 1e-5, `${name} (model)`);
        }
      });
    }

    it('keeps its answers across narrations of any length (its buffer grows and is reused)', () => {
      const r = random(3);
      const short = new Float32Array(SR).map(() => 0.3 * (r() - 0.5));
      const first = measureLoudnessSync(short, SR);
      const long = new Float32Array(SR * 180).map((_, i) => 0.5 * Math.sin(i / 5) * (i % SR < SR / 2 ? 1 : 0.1)); // 3 minutes
      const [ours, theirs] = [measureLoudnessSync(long, SR), published(long, SR)];
      assert.equal(ours.integratedLufs, theirs.integratedLufs);
      assert.ok(Math.abs(ours.truePeakDbtp - theirs.truePeakDbtp) < 1e-5, `${ours.truePeakDbtp} against ${theirs.truePeakDbtp}`);
      assert.deepEqual(measureLoudnessSync(short, SR), first);
      assert.deepEqual(measureLoudnessSync(new Float32Array(0), SR), { integratedLufs: -Infinity, truePeakDbtp: -Infinity });
    });

    it('measures 16-bit PCM as the floats it stands for, to the bit', () => {
      for (const level of [0.05, 0.9]) {
        const pcm = bursts(3, level);
        assert.deepEqual(measureLoudnessSync(pcm, SR), measureLoudnessSync(int16ToFloat(pcm), SR), `level ${level}`);
      }
    });

    it('says which input it refuses', () => {
      assert.throws(() => measureLoudnessSync(new Float32Array(100), 8), /loudness meter: the sample rate is refused \(8 Hz, 100 samples\)/);
    });
  });

  it('parses targets and refuses others', () => {
    assert.equal(parseLoudnessTarget('-16'), -16);
    assert.equal(parseLoudnessTarget('off'), 'off');
    assert.equal(parseLoudnessTarget(-18), undefined);
  });
});
