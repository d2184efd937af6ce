// Loudness of a whole narration: measured with the ebur128 library (ITU-R BS.1770-4 / EBU R128, the Rust crate
// built to WebAssembly) and normalised once, on the joined PCM, before encoding (domain/loudness.ts does the gain).
import { Worker } from 'node:worker_threads';
import { setImmediate as turn } from 'node:timers/promises';
import {
  ENCODER_TRUE_PEAK_CEILING_DBTP,
  floatToInt16,
  int16ToFloat,
  interSamplePeaks,
  normaliseLoudness,
  type LoudnessMeasure,
  type LoudnessReport,
  type LoudnessTarget,
} from '../domain/loudness';
import type { Pcm } from '../domain/audio/pcm';

/**
 * Runs in a worker thread: metering takes about two seconds per minute of audio, which must not block the
 * activity's heartbeats. The package is a wasm-bindgen "bundler" build (it imports the .wasm as an ES module,
 * which Node does not load), so the worker instantiates the same binary and passes the array the way the
 * generated glue does; its only imports are panic-message helpers, so a panic surfaces as a trap.
 */
const METER_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const module = new WebAssembly.Module(readFileSync(workerData.wasm));
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  (imports[imp.module] ??= {})[imp.name] = () => { throw new Error('ebur128-wasm panicked in ' + imp.name); };
}
const w = new WebAssembly.Instance(module, imports).exports;
const samples = new Float32Array(workerData.samples);
const run = (fn) => {
  const ptr = w.__wbindgen_malloc(samples.length * 4); // the Rust side owns and frees this Vec<f32>
  new Float32Array(w.memory.buffer, ptr, samples.length).set(samples);
  return w[fn](workerData.sampleRate, ptr, samples.length);
};
// The crate returns the true peak already in dBTP.
parentPort.postMessage({ integratedLufs: run('ebur128_integrated_mono'), truePeakDbtp: run('ebur128_true_peak_mono') });
`;

let wasmPath: string | undefined;

/** Integrated loudness (LUFS) and true peak (dBTP) of mono float samples, measured off the event loop. */
export function measureLoudness(samples: Float32Array, sampleRate: number): Promise<LoudnessMeasure> {
  wasmPath ??= require.resolve('ebur128-wasm/ebur128_wasm_bg.wasm');
  const copy = samples.slice().buffer;
  return new Promise((resolve, reject) => {
    const worker = new Worker(METER_WORKER, { eval: true, workerData: { wasm: wasmPath, sampleRate, samples: copy }, transferList: [copy] });
    worker.once('message', (m: LoudnessMeasure) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`loudness meter exited with code ${code}`));
    });
  });
}

/** Inter-sample peaks in slices of a few seconds, letting the event loop turn (heartbeats) between them. */
async function peaksInSlices(samples: Float32Array): Promise<Float32Array> {
  const out = new Float32Array(samples.length);
  const slice = 200_000;
  for (let from = 0; from < samples.length; from += slice) {
    interSamplePeaks(samples, out, from, Math.min(samples.length, from + slice));
    await turn();
  }
  return out;
}

/** Measures a narration and normalises it to `target` (once, on the whole PCM, for `encoding`); `off` only measures. */
export async function normaliseNarration(pcm: Pcm, target: LoudnessTarget, encoding: keyof typeof ENCODER_TRUE_PEAK_CEILING_DBTP = 'LINEAR16'): Promise<{ pcm: Pcm; report: LoudnessReport }> {
  const floats = int16ToFloat(pcm.samples);
  const { samples, report } = await normaliseLoudness(floats, pcm.sampleRate, target, measureLoudness, peaksInSlices, ENCODER_TRUE_PEAK_CEILING_DBTP[encoding]);
  return { pcm: samples === floats ? pcm : { sampleRate: pcm.sampleRate, samples: floatToInt16(samples) }, report };
}
