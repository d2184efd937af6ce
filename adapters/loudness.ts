// Loudness of a whole narration: measured with the ebur128 library (ITU-R BS.1770-4 / EBU R128, the Rust crate
// built to WebAssembly) and normalised once, on the joined PCM, before encoding (domain/loudness.ts does the gain).
// This is CPU work (about 0.2 s per minute of audio, most of it the integrated loudness): narrations run it in the audio thread pool
// (audio-pool.ts), so the calling thread is the pool's, not the worker's event loop.
import { readFileSync } from 'node:fs';
import {
  ENCODER_TRUE_PEAK_CEILING_DBTP,
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

/** Runs one of the crate's mono functions on `length` samples that `fill` writes into its memory. */
function runCrate(fn: 'ebur128_integrated_mono' | 'ebur128_true_peak_mono', sampleRate: number, length: number, fill: (view: Float32Array) => void): number {
  const w = ebur128();
  const ptr = w.__wbindgen_malloc(length * 4); // the Rust side owns and frees this Vec<f32>
  fill(new Float32Array(w.memory.buffer, ptr, length));
  return w[fn](sampleRate, ptr, length);
}

/** The crate's true peak (dBTP) of the whole signal, every sample through its interpolator. */
export function crateTruePeakDbtp(samples: Float32Array, sampleRate: number): number {
  return runCrate('ebur128_true_peak_mono', sampleRate, samples.length, (v) => v.set(samples));
}

/**
 * The crate's true-peak interpolator (ebur128 0.1.6, the version in the package, src/interp.rs): 48 Hann-windowed
 * sinc taps split into `factor` phases, so each interpolated point is a weighted sum of the last 48/factor input
 * samples (4× below 96 kHz, 2× below 192 kHz). `gain` is the largest sum of |taps| over the phases: no point can
 * exceed gain × the largest |sample| in its window.
 */
export function truePeakInterpolator(sampleRate: number): { factor: number; taps: Float32Array[]; window: number; gain: number } | undefined {
  const factor = sampleRate < 96_000 ? 4 : sampleRate < 192_000 ? 2 : undefined;
  if (!factor) return undefined;
  const window = 48 / factor;
  const taps = Array.from({ length: factor }, () => new Float32Array(window));
  for (let j = 0; j < 48; j++) {
    const w = 0.5 * (1 - Math.cos((2 * Math.PI * j) / 48));
    const m = j - 24;
    taps[j % factor]![Math.floor(j / factor)] = Math.abs(m) > 1e-6 ? (w * Math.sin((m * Math.PI) / factor)) / ((m * Math.PI) / factor) : w;
  }
  const gain = Math.max(...taps.map((t) => t.reduce((sum, c) => sum + Math.abs(c), 0)));
  return { factor, taps, window, gain };
}

/**
 * The stretches of `samples` that can hold the crate's true peak, joined, or undefined when that would not be
 * shorter. The true peak is at least the sample peak P, and a point whose window of input samples are all under
 * P / gain stays under P, so only the points whose window holds a sample ≥ P / gain matter: each such sample is
 * kept with the window - 1 real samples before and after it (so every window holding it is whole), and the
 * stretches are joined by window - 1 zeros. Every point the crate computes on that is one of the whole signal's
 * (same window, same arithmetic) or has only samples under P / gain in its window (so stays under P).
 */
export function truePeakStretches(samples: Float32Array, sampleRate: number): Float32Array | undefined {
  const n = samples.length;
  const interp = truePeakInterpolator(sampleRate);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(samples[i]!);
    if (a > peak) peak = a;
  }
  if (!interp || peak === 0) return undefined;
  // A margin for the crate's f32 rounding of the weighted sums.
  const threshold = peak / (interp.gain * (1 + 1e-4));
  const pad = interp.window - 1;
  const starts: number[] = [];
  const ends: number[] = []; // exclusive
  let length = 0;
  for (let i = 0; i < n; i++) {
    if (Math.abs(samples[i]!) < threshold) continue;
    const start = Math.max(0, i - pad);
    const end = Math.min(n, i + pad + 1);
    const last = ends.length - 1;
    if (last >= 0 && start <= ends[last]! + pad) {
      length += end - ends[last]!;
      ends[last] = end;
    } else {
      length += end - start + (last >= 0 ? pad : 0);
      starts.push(start);
      ends.push(end);
    }
  }
  if (length >= n) return undefined;
  const out = new Float32Array(length);
  let at = 0;
  for (let s = 0; s < starts.length; s++) {
    if (s > 0) at += pad;
    out.set(samples.subarray(starts[s], ends[s]), at);
    at += ends[s]! - starts[s]!;
  }
  return out;
}

/** The crate's true peak (dBTP) of mono float samples, metered on the stretches that can hold it (equal to the whole's: test/unit/loudness.test.ts). */
export function truePeakDbtpSync(samples: Float32Array, sampleRate: number): number {
  return crateTruePeakDbtp(truePeakStretches(samples, sampleRate) ?? samples, sampleRate);
}

/** Integrated loudness (LUFS) and true peak (dBTP, as the crate returns it) of mono float samples, in this thread. */
export function measureLoudnessSync(samples: Float32Array, sampleRate: number): LoudnessMeasure {
  return {
    integratedLufs: runCrate('ebur128_integrated_mono', sampleRate, samples.length, (v) => v.set(samples)),
    truePeakDbtp: truePeakDbtpSync(samples, sampleRate),
  };
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
