// Loudness of a whole narration: measured with the ebur128 library (ITU-R BS.1770-4 / EBU R128, the Rust crate
// built to WebAssembly from native/ebur128-meter, `npm run build:meter`) and normalised once, on the joined PCM,
// before encoding (domain/loudness.ts does the gain). The module takes a whole narration in one call, which the
// crate meters block by block, integrated loudness and true peak in one pass: about 6 ms for 10 s of 24 kHz audio
// (the published ebur128-wasm build, fed one sample per call, took ~20). Narrations run it in the audio thread
// pool (audio-pool.ts), so the calling thread is the pool's, not the worker's event loop.
import {
  ENCODER_TRUE_PEAK_CEILING_DBTP,
  int16ToFloat,
  normaliseLoudness,
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

let meter: MeterExports | undefined;

/** The meter, compiled once per thread. */
function ebur128(): MeterExports {
  meter ??= instantiateNative<MeterExports>(NATIVE_WASM.meter);
  return meter;
}

const FAILURES: Record<number, string> = { 1: 'the sample rate is refused', 2: 'more samples than reserved', 3: 'the samples are refused' };

/** Integrated loudness (LUFS; -Infinity for silence) and true peak (dBTP) of mono float samples, in this thread. */
export function measureLoudnessSync(samples: Float32Array, sampleRate: number): LoudnessMeasure {
  const m = ebur128();
  const at = m.reserve(samples.length);
  if (at === 0) throw new Error(`loudness meter: no memory for ${samples.length} samples`);
  new Float32Array(m.memory.buffer, at, samples.length).set(samples);
  const code = m.measure_mono(sampleRate, samples.length);
  if (code !== 0) throw new Error(`loudness meter: ${FAILURES[code] ?? `error ${code}`} (${sampleRate} Hz, ${samples.length} samples)`);
  const [integratedLufs, truePeak] = new Float64Array(m.memory.buffer, m.result(), 2);
  return { integratedLufs: integratedLufs!, truePeakDbtp: 20 * Math.log10(truePeak!) };
}

/** Integrated loudness (LUFS) and true peak (dBTP) of mono float samples. */
export function measureLoudness(samples: Float32Array, sampleRate: number): Promise<LoudnessMeasure> {
  return Promise.resolve(measureLoudnessSync(samples, sampleRate));
}

/**
 * Measures a narration and normalises it to `target` (once, on the whole PCM, for `encoding`), as floats in
 * [-1, 1): `samples` is undefined where the PCM is kept as it came (`off` only measures; silence).
 */
export async function normaliseNarration(
  pcm: Pcm,
  target: LoudnessTarget,
  encoding: keyof typeof ENCODER_TRUE_PEAK_CEILING_DBTP = 'LINEAR16',
): Promise<{ samples?: Float32Array; report: LoudnessReport }> {
  const floats = int16ToFloat(pcm.samples);
  const { samples, report } = await normaliseLoudness(floats, pcm.sampleRate, target, measureLoudness, undefined, ENCODER_TRUE_PEAK_CEILING_DBTP[encoding]);
  return { samples: samples === floats ? undefined : samples, report };
}
