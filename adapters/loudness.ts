// Loudness of a whole narration: measured with the ebur128 library (ITU-R BS.1770-4 / EBU R128, the Rust crate
// built to WebAssembly) and normalised once, on the joined PCM, before encoding (domain/loudness.ts does the gain).
// This is CPU work (about two seconds per minute of audio): narrations run it in the audio thread pool
// (audio-pool.ts), so the calling thread is the pool's, not the worker's event loop.
import { readFileSync } from 'node:fs';
import {
  ENCODER_TRUE_PEAK_CEILING_DBTP,
  floatToInt16,
  int16ToFloat,
  normaliseLoudness,
  type LoudnessMeasure,
  type LoudnessReport,
  type LoudnessTarget,
} from '../domain/loudness';
import type { Pcm } from '../domain/audio/pcm';

interface Ebur128Exports {
  memory: { buffer: ArrayBuffer };
  __wbindgen_malloc(bytes: number): number;
  ebur128_integrated_mono(rate: number, ptr: number, length: number): number;
  ebur128_true_peak_mono(rate: number, ptr: number, length: number): number;
}

/** The part of the WebAssembly global used here (the project's `lib` has no DOM types, where it is declared). */
interface Wasm {
  Module: { new (bytes: Uint8Array): object; imports(m: object): Array<{ module: string; name: string }> };
  Instance: new (m: object, imports: object) => { exports: unknown };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: Wasm };

let meter: Ebur128Exports | undefined;

/**
 * The ebur128 module, compiled once per thread. The package is a wasm-bindgen "bundler" build (it imports the
 * .wasm as an ES module, which Node does not load), so it is instantiated here and the array passed the way the
 * generated glue does; its only imports are panic-message helpers, so a panic surfaces as a trap.
 */
function ebur128(): Ebur128Exports {
  if (meter) return meter;
  const module = new WebAssembly.Module(readFileSync(require.resolve('ebur128-wasm/ebur128_wasm_bg.wasm')));
  const imports: Record<string, Record<string, () => never>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    (imports[imp.module] ??= {})[imp.name] = () => {
      throw new Error(`ebur128-wasm panicked in ${imp.name}`);
    };
  }
  meter = new WebAssembly.Instance(module, imports).exports as unknown as Ebur128Exports;
  return meter;
}

/** Integrated loudness (LUFS) and true peak (dBTP, as the crate returns it) of mono float samples, in this thread. */
export function measureLoudnessSync(samples: Float32Array, sampleRate: number): LoudnessMeasure {
  const w = ebur128();
  const run = (fn: 'ebur128_integrated_mono' | 'ebur128_true_peak_mono') => {
    const ptr = w.__wbindgen_malloc(samples.length * 4); // the Rust side owns and frees this Vec<f32>
    new Float32Array(w.memory.buffer, ptr, samples.length).set(samples);
    return w[fn](sampleRate, ptr, samples.length);
  };
  return { integratedLufs: run('ebur128_integrated_mono'), truePeakDbtp: run('ebur128_true_peak_mono') };
}

/** Integrated loudness (LUFS) and true peak (dBTP) of mono float samples. */
export function measureLoudness(samples: Float32Array, sampleRate: number): Promise<LoudnessMeasure> {
  return Promise.resolve(measureLoudnessSync(samples, sampleRate));
}

/** Measures a narration and normalises it to `target` (once, on the whole PCM, for `encoding`); `off` only measures. */
export async function normaliseNarration(pcm: Pcm, target: LoudnessTarget, encoding: keyof typeof ENCODER_TRUE_PEAK_CEILING_DBTP = 'LINEAR16'): Promise<{ pcm: Pcm; report: LoudnessReport }> {
  const floats = int16ToFloat(pcm.samples);
  const { samples, report } = await normaliseLoudness(floats, pcm.sampleRate, target, measureLoudness, undefined, ENCODER_TRUE_PEAK_CEILING_DBTP[encoding]);
  return { pcm: samples === floats ? pcm : { sampleRate: pcm.sampleRate, samples: floatToInt16(samples) }, report };
}
