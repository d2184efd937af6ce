import assert from 'node:assert/strict';
import { encodeMp3 } from '../../adapters/audio-codec';
import { concatPcm, decodeWav, encodeWav, parseMp3, pcmDurationMs } from '../../domain/audio';

const sine = (seconds: number, rate = 24000) => {
  const samples = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate));
  return { sampleRate: rate, samples };
};

describe('audio', () => {
  it('round-trips PCM through WAV', () => {
    const pcm = sine(0.5);
    const back = decodeWav(encodeWav(pcm));
    assert.equal(back.sampleRate, 24000);
    assert.deepEqual(back.samples, pcm.samples);
  });

  it('joins PCM chunks so the duration is the exact sum', () => {
    const joined = concatPcm([sine(1.25), sine(0.5), sine(2)]);
    assert.equal(Math.round(pcmDurationMs(joined)), 3750);
    assert.throws(() => concatPcm([sine(1), sine(1, 16000)]), /sample rates differ/);
  });

  it('encodes one MP3 stream whose parsed duration matches the PCM', async () => {
    const pcm = concatPcm([sine(3), sine(4.5)]);
    const mp3 = await encodeMp3(pcm);
    const info = parseMp3(mp3);
    assert.equal(info.sampleRate, 24000);
    // LAME pads the stream by at most a couple of frames (24 ms each at 24 kHz).
    assert.ok(Math.abs(info.durationMs - 7500) < 100, `duration ${info.durationMs}`);
  });

  it('rejects bytes that are not a clean MP3 frame chain', async () => {
    const mp3 = await encodeMp3(sine(1));
    assert.throws(() => parseMp3(Buffer.from('definitely not audio')), /invalid MP3/);
    assert.throws(() => parseMp3(Buffer.concat([mp3, Buffer.from([1, 2, 3, 4, 5])])), /invalid MP3/);
    assert.throws(() => parseMp3(mp3.subarray(0, mp3.length - 10)), /cut short/);
  });
});
