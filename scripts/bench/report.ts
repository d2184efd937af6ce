// What every benchmark and drill shares: option checking, the machine's description, and the JSON report.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';

/** Checks parsed command-line values against a schema; prints every problem and exits 2 when one is wrong. */
export function parseOptions<S extends z.ZodTypeAny>(schema: S, values: unknown, tool = 'bench'): z.infer<S> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    console.error(`${tool}: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
    process.exit(2);
  }
  return parsed.data as z.infer<S>;
}

/** The machine a figure was measured on. */
export function machine(): { cores: number; memoryGiB: number; node: string; platform: string; loadAverage: number[] } {
  return { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}`, loadAverage: os.loadavg() };
}

/** Writes `<out>/<name>-<time>.json` with the scenario's name and time, and says where. */
export function writeReport(out: string, name: string, body: Record<string, unknown>): string {
  fs.mkdirSync(out, { recursive: true });
  const at = new Date().toISOString();
  const file = path.join(out, `${name}-${at.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ scenario: name, at, ...body }, null, 2)}\n`);
  console.log(`\nfigures written to ${file}`);
  return file;
}
