// Loudness normalisation of a whole narration, measured with the ebur128 library (BS.1770) it is built on.
import assert from 'node:assert/strict';
import { measureLoudness, normaliseNarration } from '../../adapters/loudness';
import { gainAndLimit, int16ToFloat, parseLoudnessTarget } from '../../domain/loudness';

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
    const { pcm: out, report } = await normaliseNarration(pcm, 'off');
    assert.equal(out, pcm);
    assert.equal(report.after, undefined);
    assert.ok(report.before.integratedLufs < -10);
  });

  it('derives the loudness after plain gain without measuring again, and a measurement of the output agrees', async () => {
    for (const target of [-23, -16] as const) {
      const { pcm: out, report } = await normaliseNarration({ sampleRate: SR, samples: bursts(8, 0.05) }, target);
      assert.equal(report.limited, false, JSON.stringify(report));
      assert.equal(report.after?.integratedLufs, target);
      const measured = await measureLoudness(int16ToFloat(out.samples), SR);
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

  it('parses targets and refuses others', () => {
    assert.equal(parseLoudnessTarget('-16'), -16);
    assert.equal(parseLoudnessTarget('off'), 'off');
    assert.equal(parseLoudnessTarget(-18), undefined);
  });
});
