// Loudness of a whole narration: measured with the ebur128 library (ITU-R BS.1770-4 / EBU R128, the Rust crate
// built to WebAssembly from native/ebur128-meter, `npm run build:meter`) and normalised once, on the joined PCM,
// before encoding (domain/loudness.ts does the gain). The module takes a whole narration in one call, which the
// crate meters block by block; the true peak, the crate's same figure, is interpolated only where a point between
// samples could exceed the sample peak. 15 s of 24 kHz speech: 3.9 ms (the crate's true peak over every point:
// 12.2; the published ebur128-wasm build, fed one sample per call: 72; `npx tsx scripts/bench/meter.ts`).
// Narrations run it in the audio thread pool (audio-pool.ts), so the calling thread is the pool's, not the worker's
// event loop.
import {
  ENCODER_TRUE_PEAK_CEILING_DBTP,
  int16ToFloat,
  normaliseLoudness,
  withoutLimiter,
  type LoudnessMeasure,
  type LoudnessReport,
  type LoudnessTarget,
} from '../domain/loudness';
import type { Pcm } from '../domain/audio/pcm';
import { instantiateNative, NATIVE_WASM } from './native-wasm';

/** The module's exports (native/ebur128-meter/src/lib.rs). */
interface MeterExports {
  memory: { buffer: ArrayBuffer };
  reserve(samples: number): number;
  result(): number;
  measure_mono(rate: number, samples: number): number;
}

const FAILURES: Record<number, string> = { 1: 'the sample rate is refused', 2: 'more samples than reserved', 3: 'the samples are refused' };

/**
 * A meter on its own instance of a build of the module (`file`; the shipped one by default, another to compare
 * builds): integrated loudness (LUFS; -Infinity for silence) and true peak (dBTP) of mono float or 16-bit samples,
 * in the calling thread.
 */
export function loudnessMeter(file: string = NATIVE_WASM.meter): (samples: Float32Array | Int16Array, sampleRate: number) => LoudnessMeasure {
  let m: MeterExports | undefined;
  return (samples, sampleRate) => {
    m ??= instantiateNative<MeterExports>(file);
    const at = m.reserve(samples.length);
    if (at === 0) throw new Error(`loudness meter: no memory for ${samples.length} samples`);
    const into = new Float32Array(m.memory.buffer, at, samples.length);
    // 16-bit PCM is converted as it is written (no array of floats of its own).
    if (samples instanceof Int16Array) int16ToFloat(samples, into);
    else into.set(samples);
    const code = m.measure_mono(sampleRate, samples.length);
    if (code !== 0) throw new Error(`loudness meter: ${FAILURES[code] ?? `error ${code}`} (${sampleRate} Hz, ${samples.length} samples)`);
    const [integratedLufs, truePeak] = new Float64Array(m.memory.buffer, m.result(), 2);
    return { integratedLufs: integratedLufs!, truePeakDbtp: 20 * Math.log10(truePeak!) };
  };
}

/** Integrated loudness (LUFS; -Infinity for silence) and true peak (dBTP) of mono float or 16-bit samples, in this thread (its module compiled at first use). */
export const measureLoudnessSync = loudnessMeter();

/** Integrated loudness (LUFS) and true peak (dBTP) of mono float samples. */
export function measureLoudness(samples: Float32Array, sampleRate: number): Promise<LoudnessMeasure> {
  return Promise.resolve(measureLoudnessSync(samples, sampleRate));
}

/**
 * Measures a narration and normalises it to `target` (once, on the whole PCM, for `encoding`). Without the limiter
 * no float copy is made: `gain` (linear, on the PCM as floats in [-1, 1)) says what to apply while encoding, or
 * neither `gain` nor `samples` is set where the PCM is kept as it came (`off` only measures; silence). With the
 * limiter, `samples` are the normalised floats.
 */
export async function normaliseNarration(
  pcm: Pcm,
  target: LoudnessTarget,
  encoding: keyof typeof ENCODER_TRUE_PEAK_CEILING_DBTP = 'LINEAR16',
): Promise<{ samples?: Float32Array; gain?: number; report: LoudnessReport }> {
  const ceiling = ENCODER_TRUE_PEAK_CEILING_DBTP[encoding];
  const before = measureLoudnessSync(pcm.samples, pcm.sampleRate);
  const plain = withoutLimiter(before, target, ceiling);
  if (plain) return plain;
  return normaliseLoudness(int16ToFloat(pcm.samples), pcm.sampleRate, target, measureLoudness, undefined, ceiling, before);
}
