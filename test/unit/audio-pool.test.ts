// The audio thread pool: a narration's loudness and encoding done on a worker thread (loaded from the TypeScript
// source under tsx here), returned as a valid file with the loudness report, the caller's samples untouched.
import assert from 'node:assert/strict';
import { finishNarrationAudio } from '../../adapters/audio-pool';
import { probeAudio } from '../support/audio-probe';

const SR = 24000;
const speechLike = (seconds: number): Int16Array =>
  new Int16Array(SR * seconds).map((_, i) => Math.round(6000 * Math.max(0, Math.sin((2 * Math.PI * 2 * i) / SR)) ** 2 * Math.sin((2 * Math.PI * 180 * i) / SR)));

describe('audio thread pool', () => {
  it('normalises and encodes on a worker thread: MP3 and Ogg Opus at full length, the input left as it was', async () => {
    const samples = speechLike(4);
    const copy = samples.slice();
    const [mp3, ogg] = await Promise.all([finishNarrationAudio({ sampleRate: SR, samples }, -16, 'MP3'), finishNarrationAudio({ sampleRate: SR, samples }, -16, 'OGG_OPUS')]);
    assert.deepEqual(samples, copy, 'the caller keeps its samples');
    for (const [out, format] of [[mp3, 'mp3'], [ogg, 'ogg']] as const) {
      assert.equal(out.extension, format);
      assert.ok(Buffer.isBuffer(out.body));
      const probed = await probeAudio(out.body);
      assert.equal(probed.format, format);
      assert.ok(Math.abs(probed.durationMs - 4000) < 30, `${format}: ${probed.durationMs} ms`);
      assert.ok(out.loudness.after && Math.abs(out.loudness.after.integratedLufs + 16) <= 0.5, JSON.stringify(out.loudness));
    }
  });

  it('passes a failure of the thread back to the caller', async () => {
    await assert.rejects(finishNarrationAudio({ sampleRate: SR, samples: speechLike(1) }, -16, 'FLAC' as never));
  });
});
