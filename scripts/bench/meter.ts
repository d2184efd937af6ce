// What metering one narration costs (integrated loudness and true peak, as Bolt measures every narration): the
// crate's published WebAssembly build (ebur128-wasm, one sample a call), ours as shipped (native/ebur128-meter),
// and optionally another build of ours to compare (`--module`, for example the previous one:
// `git show <rev>:native/ebur128-meter/ebur128_meter.wasm > /tmp/meter.wasm`). The speech is espeak-ng's when it is
// installed, else the simulator's tone; 24 kHz mono. Prints the median time of `--runs` measurements after three
// warm-up ones, and each build's figures (they must agree); measures nothing else.
// Usage: npx tsx scripts/bench/meter.ts [--seconds 15] [--runs 15] [--module FILE]
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loudnessMeter } from '../../adapters/loudness';
import type { LoudnessMeasure } from '../../domain/loudness';
import { publishedMeter } from '../../test/support/published-meter';
import { parseOptions } from './report';
import { speechSample } from './speech-sample';

const Args = z.object({
  seconds: z.coerce.number().min(1).max(600),
  runs: z.coerce.number().int().min(1).max(200),
  module: z.string().min(1).optional(),
});

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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, runs: { type: 'string', default: '15' }, module: { type: 'string' } } });
  const args = parseOptions(Args, values, 'meter');
  const { floats, sampleRate, seconds, source } = await speechSample(args.seconds);
  console.log(`${seconds.toFixed(1)} s of ${source} speech, ${sampleRate} Hz mono; median of ${args.runs}\n`);

  const builds: Array<[string, (x: Float32Array, rate: number) => LoudnessMeasure]> = [
    ['ebur128-wasm 3 (published, one sample a call)', publishedMeter()],
    ['ours (shipped)', loudnessMeter()],
  ];
  if (args.module) builds.push([`ours (${args.module})`, loudnessMeter(args.module)]);
  console.log('| build | ms | × real time | integrated LUFS | true peak dBTP |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [label, meter] of builds) {
    const r = timed(args.runs, () => meter(floats, sampleRate));
    console.log(`| ${label} | ${r.ms.toFixed(2)} | ${Math.round((seconds * 1000) / r.ms)} | ${r.figures.integratedLufs.toFixed(4)} | ${r.figures.truePeakDbtp.toFixed(5)} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
