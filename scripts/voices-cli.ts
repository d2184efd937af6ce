// `npm run voices -- <command>`: refreshes the voice catalog from Google's voices.list (or the simulator)
// and reports what was added and removed; `stats` summarises the catalog in use.
import { z } from 'zod';
import { SHIPPED_VOICES_PATH, loadCatalog, syncVoicesFile, type SyncReport } from '../adapters/catalog-files';
import { SIMULATOR_API_KEY } from '../adapters/providers';
import { createTtsClient } from '../adapters/tts';
import { loadConfig } from '../domain/config';
import { startSimulators } from '../simulators/server';

const USAGE = `usage: npm run voices -- sync [--dry-run] [--simulator] [--file <voices.json>] [--base-url <url>] [--key <api key>]
       npm run voices -- stats

sync       fetch GET /v1/voices with a TTS key and rewrite the voices file, printing added and removed voices.
           The key is --key or GOOGLE_TTS_API_KEY; the endpoint --base-url, TTS_BASE_URL or Google's.
           --simulator runs against a built-in TTS simulator instead (no key needed).
           --dry-run reports without writing. The file is --file, BOLT_VOICES_PATH or catalog/voices.json.
stats      voices and locales per family in the catalog in use.`;

const ArgsSchema = z.discriminatedUnion('command', [
  z
    .object({
      command: z.literal('sync'),
      dryRun: z.boolean().default(false),
      simulator: z.boolean().default(false),
      file: z.string().min(1).optional(),
      baseUrl: z.string().url('must be a URL such as http://127.0.0.1:4010').optional(),
      key: z.string().min(1).optional(),
    })
    .strict(),
  z.object({ command: z.literal('stats') }).strict(),
]);
type Args = z.infer<typeof ArgsSchema>;

/** Parses argv (after the script name) into validated arguments; throws with the usage on anything else. */
export function parseArgs(argv: string[]): Args {
  const [command, ...rest] = argv;
  const raw: Record<string, unknown> = { command };
  const flags: Record<string, string> = { '--file': 'file', '--base-url': 'baseUrl', '--key': 'key' };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--dry-run') raw.dryRun = true;
    else if (a === '--simulator') raw.simulator = true;
    else if (flags[a]) {
      if (rest[i + 1] === undefined) throw new Error(`${a} needs a value\n\n${USAGE}`);
      raw[flags[a]!] = rest[++i];
    } else throw new Error(`unknown argument ${a}\n\n${USAGE}`);
  }
  const parsed = ArgsSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || 'command'}: ${i.message}`);
    throw new Error(`invalid arguments:\n${lines.join('\n')}\n\n${USAGE}`);
  }
  return parsed.data;
}

/** Human-readable lines of a sync report. */
export function formatReport(r: SyncReport, dryRun: boolean): string {
  const list = (vs: Array<{ name: string; ssmlGender: string }>) => vs.map((v) => `  ${v.name} (${v.ssmlGender.toLowerCase()})`).join('\n');
  const out = [`voices.list at ${r.endpoint}: ${r.total} catalog voices${r.skipped.length ? `, ${r.skipped.length} other names skipped` : ''}`];
  out.push(`added ${r.added.length}${r.added.length ? `:\n${list(r.added)}` : ''}`);
  out.push(`removed ${r.removed.length}${r.removed.length ? `:\n${list(r.removed)}` : ''}`);
  if (r.changed.length) out.push(`changed ${r.changed.length}:\n${r.changed.map((c) => `  ${c.after.name}`).join('\n')}`);
  out.push(r.written ? `wrote ${r.file}` : dryRun ? `dry run: ${r.file} left as it is` : `no change: ${r.file} is up to date`);
  return out.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const config = loadConfig(process.env);
  if (args.command === 'stats') {
    const { catalog } = loadCatalog(config.catalog);
    const families = new Map<string, { voices: number; locales: Set<string> }>();
    for (const v of catalog.voices) {
      const f = families.get(v.family) ?? { voices: 0, locales: new Set<string>() };
      f.voices++;
      f.locales.add(v.language);
      families.set(v.family, f);
    }
    console.log(`${catalog.voices.length} voices in ${catalog.languages.length} locales (compiled ${catalog.source.compiledOn})`);
    for (const [f, s] of [...families].sort()) console.log(`  ${f.padEnd(10)} ${String(s.voices).padStart(5)} voices  ${String(s.locales.size).padStart(3)} locales`);
    return;
  }
  const file = args.file ?? config.catalog.voicesPath ?? SHIPPED_VOICES_PATH;
  const sim = args.simulator ? await startSimulators() : undefined;
  try {
    const baseUrl = sim?.url ?? args.baseUrl ?? config.tts.baseUrl;
    const key = sim ? SIMULATOR_API_KEY : (args.key ?? config.tts.apiKey);
    if (!key) throw new Error('no TTS key: set GOOGLE_TTS_API_KEY, pass --key, or use --simulator');
    const client = createTtsClient({ apiKey: key, baseUrl });
    const endpoint = `${baseUrl ?? 'https://texttospeech.googleapis.com'}/v1/voices${sim ? ' (built-in simulator)' : ''}`;
    const report = await syncVoicesFile({ client, file, endpoint, dryRun: args.dryRun });
    console.log(formatReport(report, args.dryRun));
    await client.close();
  } finally {
    await sim?.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`voices: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
