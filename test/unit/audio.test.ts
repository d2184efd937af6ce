import assert from 'node:assert/strict';
import OpusScript from 'opusscript';
import { encodeMp3, encodeOggOpus } from '../../adapters/audio-codec';
import { parseMp3 } from '../../domain/audio/mp3';
import { parseOggOpus } from '../../domain/audio/ogg';
import { concatPcm, pcmDurationMs } from '../../domain/audio/pcm';
import { decodeWav, encodeWav } from '../../domain/audio/wav';

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

  it('encodes one MP3 stream whose gapless duration is the PCM duration', async () => {
    for (const rate of [24000, 16000, 22050]) {
      const pcm = concatPcm([sine(3, rate), sine(4.5, rate)]);
      const mp3 = await encodeMp3(pcm);
      const info = parseMp3(mp3);
      assert.equal(info.sampleRate, rate);
      assert.ok(info.gapless, 'an Info frame with LAME delay and padding leads the stream');
      assert.equal(info.encoderDelay, 576);
      // The frames hold the delay and padding; the tag says exactly how much of them is not audio.
      assert.equal(Math.round(info.durationMs * rate), Math.round(7.5 * rate) * 1000);
      assert.ok(info.rawDurationMs > info.durationMs && info.rawDurationMs - info.durationMs < 200);
    }
  });

  it('encodes Ogg Opus with correct checksums, pre-skip and a final granule that gives the exact duration', () => {
    const pcm = concatPcm([sine(2.01), sine(1.333)]);
    const ogg = encodeOggOpus(pcm);
    const info = parseOggOpus(ogg);
    assert.equal(info.channels, 1);
    assert.equal(info.inputSampleRate, 24000);
    assert.equal(info.preSkip, 312);
    assert.equal(Math.round(info.durationMs * 24), pcm.samples.length);
    // Every packet decodes, and together they cover pre-skip plus the audio.
    const decoder = new OpusScript(24000, 1);
    let decoded = 0;
    for (const p of info.packets) decoded += decoder.decode(p).length / 2;
    decoder.delete();
    assert.ok(decoded * 2 >= info.preSkip + pcm.samples.length * 2, `decoded ${decoded} samples`);
    const corrupt = Buffer.from(ogg);
    corrupt[corrupt.length - 10]! ^= 0xff;
    assert.throws(() => parseOggOpus(corrupt), /bad checksum/);
    assert.throws(() => parseOggOpus(ogg.subarray(0, ogg.length - 5)), /cut short|end-of-stream/);
  });

  it('rejects bytes that are not a clean MP3 frame chain', async () => {
    const mp3 = await encodeMp3(sine(1));
    assert.throws(() => parseMp3(Buffer.from('definitely not audio')), /invalid MP3/);
    assert.throws(() => parseMp3(Buffer.concat([mp3, Buffer.from([1, 2, 3, 4, 5])])), /invalid MP3/);
    assert.throws(() => parseMp3(mp3.subarray(0, mp3.length - 10)), /cut short/);
  });
});
