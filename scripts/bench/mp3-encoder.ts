// What encoding one narration as MP3 costs: the published LAME build (wasm-media-encoders, at its fixed quality 3)
// against ours (native/lame-mp3) at several algorithm qualities, on the same speech. The speech is espeak-ng's
// when it is installed (scripts/install-tools.sh installs it), else the simulator's tone; 24 kHz mono, 64 kbps CBR,
// as Bolt ships. Prints the median time of `--runs` encodings after three warm-up ones; measures nothing else.
// Usage: npx tsx scripts/bench/mp3-encoder.ts [--seconds 15] [--runs 15]
import { parseArgs } from 'node:util';
import { createMp3Encoder } from 'wasm-media-encoders';
import { z } from 'zod';
import { encodeMp3, MP3_QUALITY } from '../../adapters/audio-codec';
import { parseOptions } from './report';
import { speechSample } from './speech-sample';

const Args = z.object({
  seconds: z.coerce.number().min(1).max(600),
  runs: z.coerce.number().int().min(1).max(200),
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(runs: number, encode: () => Promise<Buffer>): Promise<{ ms: number; bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < 3; i++) bytes = (await encode()).length;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    bytes = (await encode()).length;
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: median(times), bytes };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, runs: { type: 'string', default: '15' } } });
  const args = parseOptions(Args, values, 'mp3-encoder');
  const { floats, sampleRate, seconds, source } = await speechSample(args.seconds);
  console.log(`${seconds.toFixed(1)} s of ${source} speech, ${sampleRate} Hz mono, 64 kbps CBR; median of ${args.runs}`);

  const published = await createMp3Encoder();
  const rows: Array<[string, { ms: number; bytes: number }]> = [];
  rows.push([
    'wasm-media-encoders 0.7 (quality 3)',
    await timed(args.runs, () => {
      published.configure({ channels: 1, sampleRate: sampleRate as 24000, bitrate: 64 });
      return Promise.resolve(Buffer.concat([Buffer.from(published.encode([floats])), Buffer.from(published.finalize())]));
    }),
  ]);
  for (const quality of [2, 3, 5, MP3_QUALITY, 9]) {
    const label = `ours, quality ${quality}${quality === MP3_QUALITY ? ' (shipped)' : ''}`;
    rows.push([label, await timed(args.runs, () => encodeMp3({ sampleRate, floats }, 64, quality))]);
  }
  console.log('| encoder | ms | × real time | bytes |');
  console.log('|---|---:|---:|---:|');
  for (const [label, r] of rows) console.log(`| ${label} | ${r.ms.toFixed(1)} | ${Math.round((seconds * 1000) / r.ms)} | ${r.bytes} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
