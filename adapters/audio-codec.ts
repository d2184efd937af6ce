// Audio encoding: joined PCM encoded once as MP3 (LAME in WebAssembly, our own build in native/lame-mp3, with a
// gapless Info tag), Ogg Opus (libopus in WebAssembly, in our own Ogg pages) or WAV.
import OpusScript from 'opusscript';
import { mp3InfoFrame, parseMp3 } from '../domain/audio/mp3';
import { writeOggOpus } from '../domain/audio/ogg';
import { resamplePcm, type Pcm } from '../domain/audio/pcm';
import { encodeWav } from '../domain/audio/wav';
import { floatToInt16 } from '../domain/loudness';
import { contentTypeOf } from '../domain/content-types';
import { instantiateNative, NATIVE_WASM } from './native-wasm';

/** Encodings Bolt IA can produce for a finished narration. */
export const AudioEncoding = { mp3: 'MP3', linear16: 'LINEAR16', oggOpus: 'OGG_OPUS' } as const;
export type AudioEncoding = (typeof AudioEncoding)[keyof typeof AudioEncoding];

/** File facts of each encoding. */
export const ENCODING_FILES: Readonly<Record<AudioEncoding, { contentType: string; extension: string }>> = {
  MP3: { contentType: contentTypeOf('audio.mp3'), extension: 'mp3' },
  LINEAR16: { contentType: contentTypeOf('audio.wav'), extension: 'wav' },
  OGG_OPUS: { contentType: contentTypeOf('audio.ogg'), extension: 'ogg' },
};

const MP3_RATES = new Set([8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]);
/** LAME's encoder delay, in samples, written to the Info tag so players trim it. */
const LAME_ENCODER_DELAY = 576;

type Mp3Kbps = 8 | 16 | 24 | 32 | 40 | 48 | 64 | 80 | 96 | 112 | 128 | 160 | 192 | 224 | 256 | 320;

/**
 * LAME's algorithm quality, 0 (slowest) to 9: 7 keeps its psychoacoustic model (block switching, so no pre-echo
 * on plosives) and drops the noise-shaping search, which at 64 kbps for one voice buys nothing a plain error
 * measure sees and costs half the encoding time (README, "MP3 encoding"; `scripts/bench/mp3-encoder.ts`). The
 * published build's fixed default was 3. LAME 3.100 sets 8 and 9 as it sets 7: there is nothing faster.
 */
export const MP3_QUALITY = 7;

/** The encoder module's exports (native/lame-mp3/mp3_encoder.c). */
interface Mp3Exports {
  memory: { buffer: ArrayBuffer };
  reserve(samples: number): number;
  output(): number;
  encode(sampleRate: number, kbps: number, quality: number, samples: number): number;
}

/** One encoder per thread, reused: `encode` takes a whole narration, and nothing awaits in between. */
let mp3Encoder: Mp3Exports | undefined;

const MP3_FAILURES: Record<number, string> = { [-1]: 'out of memory', [-2]: 'settings refused', [-3]: 'encoding failed' };

/**
 * What an encoder takes: 16-bit PCM, float samples in [-1, 1] (a limited narration's), or 16-bit PCM with a gain
 * (a narration normalised by gain alone: its floats are the samples ÷ 32768 × gain, made as they are written). The
 * MP3 encoder takes floats as they are, with no rounding to 16 bits and back.
 */
export type EncoderInput = Pcm | FloatPcm | ScaledPcm;
export interface FloatPcm {
  sampleRate: number;
  floats: Float32Array;
}
export interface ScaledPcm extends Pcm {
  gain: number;
}

/** A scaled PCM's floats, one at a time: the same f32 values as the samples ÷ 32768 scaled by the gain. */
function scaledFloats(input: ScaledPcm, into: Float32Array): Float32Array {
  const k = input.gain / 32768; // s × (g ÷ 32768) is (s ÷ 32768) × g exactly: scaling by 2^-15 rounds nothing
  const from = input.samples;
  const n = from.length;
  for (let i = 0; i < n; i++) into[i] = from[i]! * k;
  return into;
}

function toPcm(input: EncoderInput): Pcm {
  if ('floats' in input) return { sampleRate: input.sampleRate, samples: floatToInt16(input.floats) };
  if ('gain' in input) return { sampleRate: input.sampleRate, samples: floatToInt16(scaledFloats(input, new Float32Array(input.samples.length))) };
  return input;
}

/** Writes mono audio into the encoder's input as floats (resampled first where MP3 has no such rate); its rate and length. */
function loadMp3Input(encoder: Mp3Exports, input: EncoderInput): { sampleRate: number; length: number } {
  if ('floats' in input && MP3_RATES.has(input.sampleRate)) {
    const { floats } = input;
    reserveMp3Input(encoder, floats.length).set(floats);
    return { sampleRate: input.sampleRate, length: floats.length };
  }
  if ('gain' in input && MP3_RATES.has(input.sampleRate)) {
    scaledFloats(input, reserveMp3Input(encoder, input.samples.length));
    return { sampleRate: input.sampleRate, length: input.samples.length };
  }
  const pcm = MP3_RATES.has(input.sampleRate) ? toPcm(input) : resamplePcm(toPcm(input), 24000);
  const into = reserveMp3Input(encoder, pcm.samples.length);
  for (let k = 0; k < pcm.samples.length; k++) into[k] = pcm.samples[k]! / 32768;
  return { sampleRate: pcm.sampleRate, length: pcm.samples.length };
}

function reserveMp3Input(encoder: Mp3Exports, samples: number): Float32Array {
  const at = encoder.reserve(samples);
  if (at === 0 && samples > 0) throw new Error(`MP3 encoder: no memory for ${samples} samples`);
  return new Float32Array(encoder.memory.buffer, at, samples);
}

/** Encodes mono audio as one constant-bitrate MP3 stream, led by an Info frame giving its exact length. @default kbps 64 */
export async function encodeMp3(input: EncoderInput, kbps: Mp3Kbps = 64, quality = MP3_QUALITY): Promise<Buffer> {
  return encodeMp3Sync(input, kbps, quality);
}

function encodeMp3Sync(input: EncoderInput, kbps: Mp3Kbps, quality: number): Buffer {
  if (!Number.isInteger(quality) || quality < 0 || quality > 9) throw new Error(`MP3 encoder: quality ${quality} is not an integer from 0 to 9`);
  const encoder = (mp3Encoder ??= instantiateNative<Mp3Exports>(NATIVE_WASM.mp3));
  const { sampleRate, length } = loadMp3Input(encoder, input);
  const bytes = encoder.encode(sampleRate, kbps, quality, length);
  if (bytes < 0) throw new Error(`MP3 encoder: ${MP3_FAILURES[bytes] ?? `error ${bytes}`} (${sampleRate} Hz, ${kbps} kbps, quality ${quality}, ${length} samples)`);
  // The output belongs to the encoder: copy it before its next call.
  const stream = Buffer.from(new Uint8Array(encoder.memory.buffer, encoder.output(), bytes));
  const info = parseMp3(stream);
  const spf = Math.round((info.rawDurationMs * info.sampleRate) / 1000 / info.frames);
  const padding = info.frames * spf - length - LAME_ENCODER_DELAY;
  if (padding < 0) throw new Error(`MP3 encoder returned ${info.frames} frames for ${length} samples`);
  const tag = mp3InfoFrame(stream, { frames: info.frames, streamBytes: stream.length, delay: LAME_ENCODER_DELAY, padding });
  return Buffer.concat([tag, stream]);
}

const OPUS_RATES = new Set([8000, 12000, 16000, 24000, 48000]);
/** libopus lookahead for the audio application, in 48 kHz samples (2.5 ms + 4 ms): the Ogg pre-skip. */
const OPUS_PRE_SKIP = 312;
const OPUS_SET_COMPLEXITY = 4010;

/** Encodes mono PCM as Ogg Opus: 20 ms packets, pre-skip and end trimming in the granule positions. @default bitrate 32000 */
export function encodeOggOpus(input: Pcm, bitrate = 32000): Buffer {
  const pcm = OPUS_RATES.has(input.sampleRate) ? input : resamplePcm(input, input.sampleRate > 24000 ? 48000 : 24000);
  const rate = pcm.sampleRate as 24000;
  const frame = rate / 50;
  const scale = 48000 / rate;
  // Feed enough trailing silence that the packets cover the lookahead plus every real sample.
  const needed = Math.ceil(OPUS_PRE_SKIP / scale) + pcm.samples.length;
  const padded = new Int16Array(Math.ceil(needed / frame) * frame);
  padded.set(pcm.samples);
  const encoder = new OpusScript(rate, 1, OpusScript.Application.AUDIO);
  try {
    encoder.setBitrate(bitrate);
    // Complexity 5 of 10: half the encoding time of the default for speech that sounds the same.
    encoder.encoderCTL(OPUS_SET_COMPLEXITY, 5);
    const packets: Buffer[] = [];
    const bytes = Buffer.from(padded.buffer, padded.byteOffset, padded.byteLength);
    for (let i = 0; i < padded.length; i += frame) packets.push(encoder.encode(bytes.subarray(i * 2, (i + frame) * 2), frame));
    return writeOggOpus({ packets, frameSamples48: frame * scale, samples48: pcm.samples.length * scale, preSkip: OPUS_PRE_SKIP, inputSampleRate: input.sampleRate });
  } finally {
    encoder.delete();
  }
}

/** Encodes audio in the requested encoding (floats are rounded to 16 bits for WAV and Opus). */
export async function encodeAudio(input: EncoderInput, encoding: AudioEncoding): Promise<{ body: Buffer; contentType: string; extension: string }> {
  const file = ENCODING_FILES[encoding];
  switch (encoding) {
    case AudioEncoding.mp3:
      return { body: await encodeMp3(input), ...file };
    case AudioEncoding.linear16:
      return { body: encodeWav(toPcm(input)), ...file };
    case AudioEncoding.oggOpus:
      return { body: encodeOggOpus(toPcm(input)), ...file };
  }
}
