// Audio formats, checked with other code than ours: what our encoders write is read back by ffmpeg's own demuxers
// and decoders, and our WAV reader is fed files that ffmpeg wrote.
import assert from 'node:assert/strict';
import { createMp3Encoder } from 'wasm-media-encoders';
import { encodeAudio, encodeMp3, encodeOggOpus, MP3_QUALITY } from '../../adapters/audio-codec';
import { parseMp3 } from '../../domain/audio/mp3';
import { concatPcm, pcmDurationMs, type Pcm } from '../../domain/audio/pcm';
import { decodeWav, encodeWav } from '../../domain/audio/wav';
import { floatToInt16 } from '../../domain/loudness';
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

  it('encodes 16-bit PCM with a gain exactly as the scaled floats it stands for (MP3, WAV, Opus; a resampled rate too)', async () => {
    for (const rate of [24000, 22050]) {
      const pcm = concatPcm([sine(2, rate), sine(0.7, rate)]);
      for (const gain of [0.5, 1.7]) {
        const floats = new Float32Array(pcm.samples.length);
        for (let i = 0; i < floats.length; i++) floats[i] = (pcm.samples[i]! / 32768) * gain;
        for (const encoding of ['MP3', 'LINEAR16', 'OGG_OPUS'] as const) {
          const [scaled, float] = [await encodeAudio({ ...pcm, gain }, encoding), await encodeAudio({ sampleRate: rate, floats }, encoding)];
          assert.ok(scaled.body.equals(float.body), `${rate} Hz, gain ${gain}, ${encoding}`);
        }
      }
      assert.ok(!(await encodeAudio({ ...pcm, gain: 0.5 }, 'MP3')).body.equals((await encodeAudio(pcm, 'MP3')).body), 'the gain is applied');
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

/**
 * A voice-like test signal: a 90–180 Hz glottal pulse train's harmonics shaped by two moving formants, syllables
 * of 280 ms with 70 ms gaps, and a breath of noise at each syllable's start (a plosive's attack, which the
 * encoder's block switching exists for). Deterministic: the noise comes from a fixed linear congruential sequence.
 */
function voiceLike(seconds: number, rate: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  let seed = 12345;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 31 - 1;
  };
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const syllable = t % 0.35;
    const voiced = syllable < 0.28 ? Math.sin((Math.PI * syllable) / 0.28) : 0;
    const f0 = 135 + 45 * Math.sin(2 * Math.PI * 0.7 * t);
    phase += (2 * Math.PI * f0) / rate;
    const f1 = 500 + 300 * Math.sin(2 * Math.PI * 2.1 * t);
    const f2 = 1500 + 700 * Math.sin(2 * Math.PI * 1.3 * t);
    let v = 0;
    for (let h = 1; h * f0 < Math.min(5000, rate / 2 - 500); h++) {
      const f = h * f0;
      const gain = 1 / (1 + ((f - f1) / 150) ** 2) + 0.5 / (1 + ((f - f2) / 250) ** 2);
      v += (gain * Math.sin(h * phase)) / h;
    }
    const attack = syllable < 0.012 ? 0.3 * noise() : 0;
    out[i] = 0.25 * voiced * v + attack;
  }
  return out;
}

describe('the MP3 encoder (our build of LAME, native/lame-mp3)', function () {
  this.timeout(60_000);

  it('writes, at quality 3, the same stream as the published LAME build (wasm-media-encoders), byte for byte', async () => {
    // Longest first, then shorter: the module's input and output buffers grow once and are reused.
    const cases: Array<[number, 48 | 64 | 128, number]> = [[24000, 64, 12], [16000, 48, 0.4], [22050, 64, 3], [44100, 128, 2], [48000, 128, 1.5], [24000, 64, 1]];
    for (const [rate, kbps, seconds] of cases) {
      const floats = voiceLike(seconds, rate);
      const published = await createMp3Encoder();
      published.configure({ channels: 1, sampleRate: rate, bitrate: kbps, outputSampleRate: rate as 24000 });
      const theirs = Buffer.concat([Buffer.from(published.encode([floats])), Buffer.from(published.finalize())]);
      const ours = await encodeMp3({ sampleRate: rate, floats }, kbps, 3);
      const label = `${rate} Hz, ${kbps} kbps, ${seconds} s`;
      assert.ok(ours.subarray(ours.length - theirs.length).equals(theirs), `${label}: the streams differ`);
      // What precedes the stream is our Info frame, alone, which gives the exact length.
      assert.equal(parseMp3(ours).frames, parseMp3(theirs).frames, label);
      assert.ok(ours.subarray(0, ours.length - theirs.length).includes('Info'), label);
      assert.equal(Math.round((parseMp3(ours).durationMs * rate) / 1000), floats.length, label);
    }
  });

  it(`keeps a voice, at quality ${MP3_QUALITY}, as close to the input as at quality 3, and ffmpeg plays it for its exact length`, async () => {
    for (const rate of [24000, 22050, 16000]) {
      const floats = voiceLike(6, rate);
      const snr: Record<number, number> = {};
      for (const quality of [3, MP3_QUALITY]) {
        const probed = await probeAudio(await encodeMp3({ sampleRate: rate, floats }, 64, quality), { keepSamples: true });
        assert.equal(probed.samples, floats.length, `${rate} Hz, quality ${quality}`);
        snr[quality] = snrDb(floatToInt16(floats), probed.pcm!.samples);
      }
      // Noise shaping (quality 3) moves noise under the masking curve and so lowers this plain ratio (14–16 dB
      // here); without it the ratio stays as high or higher (16–17 dB), far above the 4 dB of the input itself one
      // sample late.
      assert.ok(snr[MP3_QUALITY]! > 12, `${rate} Hz: ${snr[MP3_QUALITY]!.toFixed(1)} dB at quality ${MP3_QUALITY}`);
      assert.ok(snr[MP3_QUALITY]! > snr[3]! - 1, `${rate} Hz: ${snr[MP3_QUALITY]!.toFixed(1)} dB against ${snr[3]!.toFixed(1)} at quality 3`);
    }
  });

  it('says what it refuses', async () => {
    // Bitrates LAME would quietly change: one it does not have, one above MPEG-2's 160 kbps at 24 kHz.
    await assert.rejects(encodeMp3(sine(0.5), 7 as 8), new RegExp(`MP3 encoder: settings refused \\(24000 Hz, 7 kbps, quality ${MP3_QUALITY}, 12000 samples\\)`));
    await assert.rejects(encodeMp3(sine(0.5), 320), /MP3 encoder: settings refused \(24000 Hz, 320 kbps/);
    await assert.rejects(encodeMp3(sine(0.5), 64, 10), /MP3 encoder: quality 10 is not an integer from 0 to 9/);
    // And it still encodes afterwards.
    assert.equal(parseMp3(await encodeMp3(sine(0.5))).sampleRate, 24000);
  });
});
