// Loudness normalisation of a whole narration, measured with the ebur128 library (BS.1770) it is built on.
import assert from 'node:assert/strict';
import { crateTruePeakDbtp, measureLoudness, normaliseNarration, truePeakDbtpSync, truePeakInterpolator, truePeakStretches } from '../../adapters/loudness';
import { gainAndLimit, int16ToFloat, parseLoudnessTarget } from '../../domain/loudness';

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

/** The crate's interpolator written out here (f32 sums, newest sample first): its largest |point| and |sample|. */
function modelTruePeak(x: Float32Array, sampleRate: number): number {
  const { taps, window } = truePeakInterpolator(sampleRate)!;
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    peak = Math.max(peak, Math.abs(x[i]!));
    for (const phase of taps) {
      let acc = 0;
      for (let k = 0; k < window && i - k >= 0; k++) acc = Math.fround(acc + Math.fround(x[i - k]! * phase[k]!));
      peak = Math.max(peak, Math.abs(acc));
    }
  }
  return Math.fround(20 * Math.fround(Math.log10(peak))); // as the crate: 20.0 * peak.log10() as f32
}

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
    const { samples: out, report } = await normaliseNarration(pcm, 'off');
    assert.equal(out, undefined, 'the PCM is kept as it came');
    assert.equal(report.after, undefined);
    assert.ok(report.before.integratedLufs < -10);
  });

  it('derives the loudness after plain gain without measuring again, and a measurement of the output agrees', async () => {
    for (const target of [-23, -16] as const) {
      const { samples: out, report } = await normaliseNarration({ sampleRate: SR, samples: bursts(8, 0.05) }, target);
      assert.ok(out, 'gain applied');
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

  describe('true peak on the stretches near the sample peak', () => {
    const signals = (sampleRate: number, seed: number): Array<[string, Float32Array]> => {
      const r = random(seed);
      const n = sampleRate * 2;
      const { taps, window, gain } = truePeakInterpolator(sampleRate)!;
      const worst = taps.reduce((a, b) => (b.reduce((s, c) => s + Math.abs(c), 0) > a.reduce((s, c) => s + Math.abs(c), 0) ? b : a));
      return [
        ['white noise', new Float32Array(n).map(() => 0.8 * (r() * 2 - 1))],
        ['speech-like bursts', int16ToFloat(bursts(2, 0.7)).map((v) => v + 0.01 * (r() - 0.5))],
        ['sparse clicks in quiet noise', new Float32Array(n).map(() => (r() < 0.001 ? (r() < 0.5 ? -0.9 : 0.9) * r() : 0.02 * (r() - 0.5)))],
        ['clipped square wave', new Float32Array(n).map((_, i) => (Math.floor(i / 7) % 2 ? 1 : -1) * (i % 1000 < 900 ? 1 : 0.3))],
        // Samples just under the sample peak ÷ gain, signed to add up in the worst phase, beside the peak and
        // beside silence: the zeros the joined stretches put between them must not make a larger point.
        [
          'worst-case patterns just under the threshold',
          new Float32Array(n).map((_, i) => {
            const inPattern = i % 400 < 3 * window;
            const k = (window - 1 - (i % window)) % window;
            const level = (0.5 / gain) * 0.9999;
            return i === n / 2 ? 0.5 : inPattern ? level * Math.sign(worst[k]!) : 0;
          }),
        ],
        // Inter-sample overs from samples far under the sample peak: the true peak (0.6) is made by samples of
        // 0.6 / gain, above the threshold of 0.5 / gain that the one 0.5 sample sets, but not by much.
        [
          'overs from samples under the sample peak',
          new Float32Array(n).map((_, i) => (i === 100 ? 0.5 : i >= n / 2 && i < n / 2 + window ? (0.6 / gain) * Math.sign(worst[window - 1 - (i - n / 2)]!) : 0.001 * (r() - 0.5))),
        ],
        // One point just over the sample peak whose window holds a single sample over the threshold, at its newest
        // end, the other eleven just under it: the stretch must reach back over the whole window.
        [
          'a window with one hot sample at its edge',
          new Float32Array(n).map((_, i) => {
            const k = n / 2 - i;
            if (i === 100) return 0.5;
            if (k === 0) return 0.5 * Math.sign(worst[0]!);
            if (k > 0 && k < window) return (0.5 / gain) * (1 - 3e-4) * Math.sign(worst[k]!);
            return 0.001 * (r() - 0.5);
          }),
        ],
        ['silence', new Float32Array(n)],
        ['one sample', new Float32Array(n).map((_, i) => (i === 5 ? -0.25 : 0))],
      ];
    };

    it('the interpolator written out from the crate source gives the crate\'s true peak (so its tap-sum bound holds)', () => {
      for (const sampleRate of [16000, 24000, 44100, 96000]) {
        const r = random(sampleRate);
        const x = new Float32Array(3000).map(() => r() * 2 - 1);
        assert.equal(modelTruePeak(x, sampleRate), crateTruePeakDbtp(x, sampleRate), `${sampleRate} Hz`);
      }
      // The bound is reached: samples signed like the taps of the worst phase come out at gain × their level.
      const { taps, window, gain } = truePeakInterpolator(24000)!;
      const worst = taps.reduce((a, b) => (b.reduce((s, c) => s + Math.abs(c), 0) > a.reduce((s, c) => s + Math.abs(c), 0) ? b : a));
      const x = new Float32Array(window).map((_, i) => 0.25 * Math.sign(worst[window - 1 - i]!));
      assert.ok(Math.abs(10 ** (crateTruePeakDbtp(x, 24000) / 20) - 0.25 * gain) < 1e-5, `${crateTruePeakDbtp(x, 24000)} dBTP vs gain ${gain}`);
    });

    it('keeps every window that holds a sample at or above the sample peak ÷ gain whole', () => {
      for (const sampleRate of [24000, 96000]) {
        const { window, gain } = truePeakInterpolator(sampleRate)!;
        for (const [name, x] of signals(sampleRate, 7)) {
          const joined = truePeakStretches(x, sampleRate);
          if (!joined) continue;
          const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          const hot = (v: number) => Math.abs(v) >= peak / gain;
          // Each hot sample, in order, with the window - 1 samples each side as in the whole signal (zeros before its start).
          const around = (s: Float32Array, i: number) => Array.from({ length: 2 * window - 1 }, (_, d) => s[i - window + 1 + d] ?? 0);
          const hotAt = (s: Float32Array) => Array.from(s.keys()).filter((i) => hot(s[i]!));
          const inWhole = hotAt(x);
          const inJoined = hotAt(joined);
          assert.equal(inJoined.length, inWhole.length, name);
          assert.ok(inWhole.length > 0 && joined.length < x.length, name);
          const differs = inWhole.findIndex((i, h) => {
            const whole = around(x, i);
            return around(joined, inJoined[h]!).some((v, d) => v !== whole[d]);
          });
          assert.equal(differs, -1, `${name}: the window around hot sample ${inWhole[differs]}`);
        }
      }
    });

    for (const sampleRate of [16000, 24000, 48000, 96000]) {
      it(`equals the crate on the whole signal at ${sampleRate} Hz`, () => {
        for (const [name, x] of signals(sampleRate, sampleRate + 1)) {
          assert.equal(truePeakDbtpSync(x, sampleRate), crateTruePeakDbtp(x, sampleRate), `${name} at ${sampleRate} Hz`);
          // The junctions themselves: the model on the whole signal agrees too (no point above the sample peak is lost).
          if (x.length <= 48000) assert.equal(truePeakDbtpSync(x, sampleRate), modelTruePeak(x, sampleRate), `${name} (model)`);
        }
      });
    }
  });

  it('parses targets and refuses others', () => {
    assert.equal(parseLoudnessTarget('-16'), -16);
    assert.equal(parseLoudnessTarget('off'), 'off');
    assert.equal(parseLoudnessTarget(-18), undefined);
  });
});
