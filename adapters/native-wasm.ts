// Bolt's own WebAssembly modules (native/: the loudness meter, the MP3 encoder), found beside the sources and in
// dist/ alike (adapters/ → native/; scripts/build-server.ts copies them), compiled and instantiated synchronously:
// each thread that uses one builds it once, at first use.
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The part of the WebAssembly global used here (the project's `lib` has no DOM types, where it is declared). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: unknown };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: Wasm };

/** The built modules, by name: a folder of native/ and the file its build writes there. */
export const NATIVE_WASM = {
  meter: path.resolve(__dirname, '..', 'native', 'ebur128-meter', 'ebur128_meter.wasm'),
  mp3: path.resolve(__dirname, '..', 'native', 'lame-mp3', 'lame_mp3.wasm'),
} as const;

/** WASI's "function not supported" errno. */
const ENOSYS = 52;

/**
 * The few WASI calls a C library built for wasm32-wasi links in and a module of ours never needs: no file or
 * stream exists (LAME's messages are switched off), exiting is a thrown error, and random bytes are real ones.
 */
function wasiStubs(memory: () => { buffer: ArrayBuffer }): Record<string, (...args: number[]) => number> {
  return {
    fd_close: () => ENOSYS,
    fd_seek: () => ENOSYS,
    fd_write: () => ENOSYS,
    proc_exit: (code) => {
      throw new Error(`WebAssembly module exited with code ${code}`);
    },
    random_get: (at, length) => {
      randomFillSync(new Uint8Array(memory().buffer, at, length));
      return 0;
    },
  };
}

/** Compiles and instantiates a module of native/ (WASI reactors get their stubs and their `_initialize` call). */
export function instantiateNative<T extends { memory: { buffer: ArrayBuffer } }>(file: string): T {
  const started: { exports?: T } = {};
  const memory = (): { buffer: ArrayBuffer } => {
    if (!started.exports) throw new Error(`${path.basename(file)} called out while starting`);
    return started.exports.memory;
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { wasi_snapshot_preview1: wasiStubs(memory) });
  const exports = instance.exports as T & { _initialize?: () => void };
  started.exports = exports;
  exports._initialize?.();
  return exports;
}
