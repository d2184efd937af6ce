// What metering one narration costs (integrated loudness and true peak, as Bolt measures every narration): the
// crate's published WebAssembly build (ebur128-wasm, one sample a call), ours as shipped (native/ebur128-meter),
// and optionally another build of ours to compare (`--module`, for example the previous one:
// `git show <rev>:native/ebur128-meter/ebur128_meter.wasm > /tmp/meter.wasm`). The speech is espeak-ng's when it is
// installed, else the simulator's tone; 24 kHz mono. Prints the median time of `--runs` measurements after three
// warm-up ones, and each build's figures (they must agree); measures nothing else.
// Usage: npx tsx scripts/bench/meter.ts [--seconds 15] [--runs 15] [--module FILE]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loudnessMeter } from '../../adapters/loudness';
import { int16ToFloat, type LoudnessMeasure } from '../../domain/loudness';
import { hasEspeak, speak } from '../../simulators/speech';
import { parseOptions } from './report';

const Args = z.object({
  seconds: z.coerce.number().min(1).max(600),
  runs: z.coerce.number().int().min(1).max(200),
  module: z.string().min(1).optional(),
});

const SENTENCE =
  'Every narration is written once, spoken once and paid for once, and the batch says why it waits when it does. ';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timed(runs: number, measure: () => LoudnessMeasure): { ms: number; figures: LoudnessMeasure } {
  let figures = measure();
  for (let i = 0; i < 2; i++) figures = measure();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    figures = measure();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: median(times), figures };
}

/** The crate's published build (a devDependency): integrated loudness and true peak, each its own pass. */
function publishedMeter(): (x: Float32Array, rate: number) => LoudnessMeasure {
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, runs: { type: 'string', default: '15' }, module: { type: 'string' } } });
  const args = parseOptions(Args, values, 'meter');
  const text = SENTENCE.repeat(Math.ceil(args.seconds / 4));
  const pcm = await speak(text, 'en', 1, 'auto');
  const length = Math.min(pcm.samples.length, Math.round(args.seconds * pcm.sampleRate));
  const floats = int16ToFloat(pcm.samples.subarray(0, length));
  const seconds = length / pcm.sampleRate;
  console.log(`${seconds.toFixed(1)} s of ${hasEspeak() ? 'espeak-ng' : 'the simulator tone'} speech, ${pcm.sampleRate} Hz mono; median of ${args.runs}\n`);

  const builds: Array<[string, (x: Float32Array, rate: number) => LoudnessMeasure]> = [
    ['ebur128-wasm 3 (published, one sample a call)', publishedMeter()],
    ['ours (shipped)', loudnessMeter()],
  ];
  if (args.module) builds.push([`ours (${args.module})`, loudnessMeter(args.module)]);
  console.log('| build | ms | × real time | integrated LUFS | true peak dBTP |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [label, meter] of builds) {
    const r = timed(args.runs, () => meter(floats, pcm.sampleRate));
    console.log(`| ${label} | ${r.ms.toFixed(2)} | ${Math.round((seconds * 1000) / r.ms)} | ${r.figures.integratedLufs.toFixed(4)} | ${r.figures.truePeakDbtp.toFixed(5)} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
