// Audio formats, checked with other code than ours: what our encoders write is read back by ffmpeg's own demuxers
// and decoders, and our WAV reader is fed files that ffmpeg wrote.
import assert from 'node:assert/strict';
import { encodeMp3, encodeOggOpus } from '../../adapters/audio-codec';
import { parseMp3 } from '../../domain/audio/mp3';
import { concatPcm, pcmDurationMs, type Pcm } from '../../domain/audio/pcm';
import { decodeWav, encodeWav } from '../../domain/audio/wav';
import { ffmpegEncode, probeAudio } from '../support/audio-probe';
import { parseOggOpus } from '../support/ogg-opus';

const sine = (seconds: number, rate = 24000): Pcm => {
  const samples = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate));
  return { sampleRate: rate, samples };
};

/**
 * Signal-to-error ratio in dB of `decoded` (every `step`-th sample) against `original`, edges left out. A lossy
 * codec keeps a 220 Hz tone above 20 dB; the same audio one sample early or late is already below it.
 */
function snrDb(original: Int16Array, decoded: Int16Array, step = 1): number {
  let signal = 0;
  let error = 0;
  for (let i = 2000; i < original.length - 2000; i++) {
    signal += original[i]! ** 2;
    error += (original[i]! - (decoded[i * step] ?? 0)) ** 2;
  }
  return 10 * Math.log10(signal / error);
}

describe('audio', function () {
  this.timeout(30_000);

  it('writes and reads WAV samples as little-endian bytes, whatever the offsets of the arrays in their memory', () => {
    const all = new Int16Array([0, -32768, 32767, -1, 1, 258, -259, 12345, -23456, 7]);
    const samples = all.subarray(1); // a view that starts 2 bytes into its buffer
    const wav = encodeWav({ sampleRate: 16000, samples });
    assert.equal(wav.length, 44 + samples.length * 2);
    for (let i = 0; i < samples.length; i++) assert.equal(wav.readInt16LE(44 + i * 2), samples[i], `sample ${i}`);
    assert.equal(wav.readUInt32LE(40), samples.length * 2);
    // Read back from a copy that starts at an odd byte of its memory.
    const odd = Buffer.alloc(wav.length + 1);
    wav.copy(odd, 1);
    const back = decodeWav(odd.subarray(1));
    assert.equal(back.sampleRate, 16000);
    assert.deepEqual([...back.samples], [...samples]);
  });

  it('writes WAV that ffmpeg reads as the same PCM', async () => {
    const pcm = sine(0.5);
    const probed = await probeAudio(encodeWav(pcm), { keepSamples: true });
    assert.deepEqual([probed.format, probed.codec, probed.sampleRate, probed.channels], ['wav', 'pcm_s16le', 24000, 1]);
    assert.deepEqual(probed.pcm!.samples, pcm.samples);
  });

  it('reads WAV that ffmpeg wrote: a LIST chunk, stereo, and the placeholder sizes of a streamed file', async () => {
    const pcm = sine(0.5, 16000);
    // The stereo file carries the input unchanged in both channels, so its mono mix is the input again.
    const stereo = ['-af', 'pan=stereo|c0=c0|c1=c0'];
    for (const o of [{ mix: [], streamed: false }, { mix: stereo, streamed: false }, { mix: [], streamed: true }]) {
      const back = decodeWav(await ffmpegEncode(pcm, [...o.mix, '-acodec', 'pcm_s16le', '-f', 'wav'], o));
      assert.equal(back.sampleRate, 16000, JSON.stringify(o));
      assert.deepEqual(back.samples, pcm.samples, JSON.stringify(o));
    }
    assert.throws(() => decodeWav(Buffer.from('RIFF\0\0\0\0WAVE')), /no data chunk/);
  });

  it('joins PCM chunks so the duration is the exact sum', () => {
    const parts = [sine(1.25), sine(0.5), sine(2)];
    const joined = concatPcm(parts);
    assert.equal(joined.samples.length, 30000 + 12000 + 48000);
    assert.deepEqual(joined.samples.subarray(30000, 42000), parts[1]!.samples);
    assert.equal(pcmDurationMs(joined), 3750);
    assert.throws(() => concatPcm([sine(1), sine(1, 16000)]), /sample rates differ/);
  });

  it('encodes one MP3 stream that ffmpeg plays for exactly the PCM duration, in time with the input', async () => {
    for (const rate of [24000, 16000, 22050]) {
      const pcm = concatPcm([sine(3, rate), sine(4.5, rate)]);
      const probed = await probeAudio(await encodeMp3(pcm), { keepSamples: true });
      assert.deepEqual([probed.format, probed.codec, probed.sampleRate, probed.channels], ['mp3', 'mp3', rate, 1]);
      // ffmpeg trims the encoder delay and padding the Info tag gives: exactly the input's samples remain.
      assert.equal(probed.samples, pcm.samples.length, `${rate} Hz`);
      const snr = snrDb(pcm.samples, probed.pcm!.samples);
      assert.ok(snr > 20, `${rate} Hz: ${snr.toFixed(1)} dB against the input`);
    }
  });

  it('encodes float samples (a normalised narration) the same way: same length, in time with the input', async () => {
    for (const rate of [24000, 22050]) {
      const pcm = concatPcm([sine(3, rate), sine(1.7, rate)]);
      const floats = new Float32Array(pcm.samples.length);
      for (let i = 0; i < floats.length; i++) floats[i] = pcm.samples[i]! / 32768;
      const probed = await probeAudio(await encodeMp3({ sampleRate: rate, floats }), { keepSamples: true });
      assert.equal(probed.samples, pcm.samples.length, `${rate} Hz`);
      const snr = snrDb(pcm.samples, probed.pcm!.samples);
      assert.ok(snr > 20, `${rate} Hz: ${snr.toFixed(1)} dB against the input`);
    }
  });

  it('encodes Ogg Opus that ffmpeg plays for exactly the PCM duration, after a 312-sample pre-skip', async () => {
    const pcm = concatPcm([sine(2.01), sine(1.333)]);
    const probed = await probeAudio(encodeOggOpus(pcm), { keepSamples: true });
    assert.deepEqual([probed.format, probed.codec, probed.sampleRate, probed.channels], ['ogg', 'opus', 48000, 1]);
    assert.equal(probed.samples, pcm.samples.length * 2, 'the final granule trims the end to the input (at 48 kHz)');
    assert.equal(probed.containerSamples - probed.samples, 312, 'the pre-skip');
    const snr = snrDb(pcm.samples, probed.pcm!.samples, 2);
    assert.ok(snr > 20, `${snr.toFixed(1)} dB against the input`);
  });

  it('fails the ffmpeg check on broken files: a bad page checksum, junk after the frames, a wrong sample rate', async () => {
    const ogg = encodeOggOpus(sine(1));
    const corrupt = Buffer.from(ogg);
    corrupt[corrupt.length - 10]! ^= 0xff;
    await assert.rejects(probeAudio(corrupt), /CRC mismatch/);
    const mp3 = await encodeMp3(sine(1));
    await assert.rejects(probeAudio(Buffer.concat([mp3, Buffer.from('definitely not audio')])), /ffmpeg/);
    const wav = encodeWav(sine(1));
    wav.writeUInt32LE(48000, 24);
    assert.equal((await probeAudio(wav)).durationMs, 500, 'a header that lies gives a duration the tests reject');
  });

  it('reads MP3 that ffmpeg encoded (LAME, with its gapless tag) at its real duration', async () => {
    const pcm = sine(2.5, 24000);
    const mp3 = await ffmpegEncode(pcm, ['-acodec', 'libmp3lame', '-b:a', '64k', '-f', 'mp3']);
    const info = parseMp3(mp3);
    assert.equal(info.sampleRate, 24000);
    assert.ok(info.gapless, 'LAME wrote an Info tag with its delay and padding');
    assert.equal(Math.round((info.durationMs * 24000) / 1000), pcm.samples.length);
  });

  it('rejects bytes that are not a clean MP3 frame chain', async () => {
    const mp3 = await encodeMp3(sine(1));
    assert.throws(() => parseMp3(Buffer.from('definitely not audio')), /invalid MP3/);
    assert.throws(() => parseMp3(Buffer.concat([mp3, Buffer.from([1, 2, 3, 4, 5])])), /invalid MP3/);
    assert.throws(() => parseMp3(mp3.subarray(0, mp3.length - 10)), /cut short/);
  });

  it('the Ogg Opus checker of the benchmarks agrees with ffmpeg and rejects bad checksums and cut files', async () => {
    const pcm = sine(1.5);
    const ogg = encodeOggOpus(pcm);
    assert.equal(parseOggOpus(ogg).durationMs, (await probeAudio(ogg)).durationMs);
    const corrupt = Buffer.from(ogg);
    corrupt[corrupt.length - 10]! ^= 0xff;
    assert.throws(() => parseOggOpus(corrupt), /bad checksum/);
    assert.throws(() => parseOggOpus(ogg.subarray(0, ogg.length - 5)), /cut short|end-of-stream/);
  });
});
