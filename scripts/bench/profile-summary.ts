// Summarises V8 CPU profiles (`node --cpu-prof --cpu-prof-dir DIR ...`): self time by function, by file and by
// package, as a share of the samples, for the profile of each thread and for all threads together.
// Usage: npx tsx scripts/bench/profile-summary.ts DIR-or-FILES... [--top 25] [--from 5] [--to 60]
// (--from/--to: seconds since each profile's start, to leave out start-up or a later phase).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseOptions } from './report';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }

const Args = z.object({
  top: z.coerce.number().int().min(1).max(500),
  from: z.coerce.number().min(0),
  to: z.coerce.number().min(0),
  paths: z.array(z.string()).min(1, 'give a profile directory or .cpuprofile files'),
});

/** Where a frame's code lives: a package of node_modules, a project folder, node's own code, or V8's pseudo-frames. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, '') || 'native'})`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node (built-in)';
  if (url.startsWith('wasm://') || url.startsWith('data:application/wasm')) return 'wasm';
  const rel = path.relative(process.cwd(), url.replace(/^file:\/\//, ''));
  return rel.startsWith('..') ? url : `bolt: ${rel.split(path.sep)[0]}/`;
}

/** A frame's file relative to the project; inline (data:) code is cut to its first characters. */
function shortUrl(url: string): string {
  if (!url) return '';
  if (url.startsWith('data:')) return `${url.slice(0, 40)}…`;
  return path.relative(process.cwd(), url.replace(/^file:\/\//, '')).replace(/^(\.\.\/)+/, '');
}

/** Self time in microseconds per node id, for samples between `fromUs` and `toUs` after the profile's start. */
function selfTimes(p: CpuProfile, fromUs: number, toUs: number): Map<number, number> {
  const self = new Map<number, number>();
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0; // a sample's time runs until the next one
    if (t < fromUs || t > toUs) continue;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }
  return self;
}

/** Functions in which a thread sleeps rather than runs. */
const BLOCKED = new Set(['atomicsWaitLoop']);

type Totals = Map<string, number>;
const add = (m: Totals, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

function aggregate(p: CpuProfile, fromUs: number, toUs: number, into: { fn: Totals; file: Totals; pkg: Totals }): number {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  let total = 0;
  for (const [id, us] of selfTimes(p, fromUs, toUs)) {
    const frame = byId.get(id)!;
    // A pool thread blocked in Atomics.wait (piscina between tasks) is sampled in that function but uses no CPU.
    const f = BLOCKED.has(frame.functionName) ? { functionName: '(idle)', url: '', lineNumber: 0 } : frame;
    total += us;
    add(into.fn, `${f.functionName || '(anonymous)'}  ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`, us);
    add(into.file, shortUrl(f.url) || `(${f.functionName.replace(/[()]/g, '')})`, us);
    add(into.pkg, packageOf(f.url, f.functionName), us);
  }
  return total;
}

function table(title: string, m: Totals, total: number, top: number, busy: number): void {
  console.log(`\n| ${title} | ms | % of samples | % of busy |\n|---|---:|---:|---:|`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const busyShare = k.includes('(idle)') ? '' : ((100 * us) / busy).toFixed(1);
    console.log(`| ${k.replace(/\|/g, '\\|')} | ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | ${busyShare} |`);
  }
}

function profileFiles(paths: string[]): string[] {
  return paths.flatMap((p) => (fs.statSync(p).isDirectory() ? fs.readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(p, f)) : [p]));
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, from: { type: 'string', default: '0' }, to: { type: 'string', default: '1e9' } } });
  const args = parseOptions(Args, { ...values, paths: positionals }, 'profile-summary');
  const into = { fn: new Map(), file: new Map(), pkg: new Map() } as { fn: Totals; file: Totals; pkg: Totals };
  let total = 0;
  const files = profileFiles(args.paths);
  const threads: string[] = [];
  for (const file of files) {
    const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
    const idleBefore = into.pkg.get('(idle)') ?? 0;
    const us = aggregate(p, args.from * 1e6, args.to * 1e6, into);
    const idle = (into.pkg.get('(idle)') ?? 0) - idleBefore;
    threads.push(`${path.basename(file)}: ${(us / 1e6).toFixed(1)} s, ${((us - idle) / 1e6).toFixed(1)} s busy (${((100 * (us - idle)) / Math.max(1, us)).toFixed(0)}%)`);
    total += us;
  }
  const idle = [...into.pkg].filter(([k]) => k === '(idle)').reduce((s, [, v]) => s + v, 0);
  const busy = total - idle;
  console.log(`${files.length} profile(s), ${(total / 1e6).toFixed(1)} s of thread time, ${(busy / 1e6).toFixed(1)} s busy (not idle)`);
  if (files.length <= 8) for (const t of threads) console.log(`- ${t}`);
  table('package / area (self time)', into.pkg, total, args.top, busy);
  table('file (self time)', into.file, total, args.top, busy);
  table('function (self time)', into.fn, total, args.top, busy);
}

main();
