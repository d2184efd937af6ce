// The ebur128 crate's published WebAssembly build (ebur128-wasm, a devDependency), which takes one sample per call:
// what the unit tests check our build of the meter against, and what scripts/bench/meter.ts times it against.
import { readFileSync } from 'node:fs';
import type { LoudnessMeasure } from '../../domain/loudness';

/** A meter on its own instance of the published build: integrated loudness and true peak, each its own pass. */
export function publishedMeter(): (x: Float32Array, rate: number) => LoudnessMeasure {
  const { WebAssembly: W } = globalThis as unknown as {
    WebAssembly: {
      Module: { new (bytes: Uint8Array): object; imports(m: object): Array<{ module: string; name: string }> };
      Instance: new (m: object, imports: object) => { exports: unknown };
    };
  };
  const module = new W.Module(readFileSync(require.resolve('ebur128-wasm/ebur128_wasm_bg.wasm')));
  const imports: Record<string, Record<string, () => never>> = {};
  for (const imp of W.Module.imports(module)) {
    (imports[imp.module] ??= {})[imp.name] = () => {
      throw new Error(`ebur128-wasm panicked in ${imp.name}`);
    };
  }
  const w = new W.Instance(module, imports).exports as {
    memory: { buffer: ArrayBuffer };
    __wbindgen_malloc(bytes: number): number;
    ebur128_integrated_mono(rate: number, ptr: number, length: number): number;
    ebur128_true_peak_mono(rate: number, ptr: number, length: number): number;
  };
  const run = (fn: 'ebur128_integrated_mono' | 'ebur128_true_peak_mono', x: Float32Array, rate: number): number => {
    const ptr = w.__wbindgen_malloc(x.length * 4); // the Rust side frees it
    new Float32Array(w.memory.buffer, ptr, x.length).set(x);
    return w[fn](rate, ptr, x.length);
  };
  return (x, rate) => ({ integratedLufs: run('ebur128_integrated_mono', x, rate), truePeakDbtp: run('ebur128_true_peak_mono', x, rate) });
}
