// `npm run keys -- <command>`: manages the API-key pool in the same database `npm start` uses.
// Keys are shown masked; the key itself is only ever read (from --key or stdin), sealed and stored.
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { resolveMasterKey } from '../adapters/master-key-file';
import { KeyPoolError } from '../db/keys';
import { migrateToLatest } from '../db/migrator';
import { loadConfig } from '../domain/config';
import { openDatabase } from '../stack/database';
import { COMMANDS, UsageError } from './keys-commands';

const USAGE = `usage: npm run keys -- <command> [options]

  add --email <account> --service gemini|tts --key <key|-> [--project <id>] [--label <text>]
      [--rpm <n>] [--rpd <n>] [--project-rpm <n>] [--project-rpd <n>] [--simulator]
                        add a key (--key - reads it from stdin, keeping it out of shell history)
  list [--service gemini|tts] [--json]
                        every key, masked, with its state and usage
  disable <id> [--reason <text>]   stop leasing a key
  enable <id>                      lease it again (its circuit starts closed)
  remove <id>                      delete a key
  limit --service gemini|tts --project <id> [--rpm <n|none>] [--rpd <n|none>]
                        set the limits shared by all keys of a project
  test <id>                        one cheap real call with the key (Gemini: a tiny generateContent; TTS: voices list)
  rotate-master-key                re-encrypt every key under a new master key

Ids may be shortened to an unambiguous prefix. Exit codes: 0 ok, 1 failure, 2 usage error.`;

function parse<T extends z.ZodType>(schema: T, values: Record<string, unknown>): z.infer<T> {
  const r = schema.safeParse(values);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown option(s): ${i.keys.map((k) => `--${k}`).join(', ')}`;
      return `--${i.path.join('.')}: ${i.message}`;
    });
    throw new UsageError(lines.join('\n'));
  }
  return r.data;
}

function splitArgs(argv: string[]): { command?: string; positionals: string[]; values: Record<string, unknown> } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        email: { type: 'string' },
        service: { type: 'string' },
        key: { type: 'string' },
        project: { type: 'string' },
        label: { type: 'string' },
        rpm: { type: 'string' },
        rpd: { type: 'string' },
        'project-rpm': { type: 'string' },
        'project-rpd': { type: 'string' },
        simulator: { type: 'boolean' },
        json: { type: 'boolean' },
        reason: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...rest] = positionals;
    return { command: values.help ? 'help' : command, positionals: rest, values: Object.fromEntries(Object.entries(values).filter(([k]) => k !== 'help')) };
  } catch (err) {
    // parseArgs quotes the offending argument; it could be a key typed in the wrong place, so say less.
    const m = err instanceof Error ? err.message : String(err);
    throw new UsageError(/Unknown option '([^']*)'/.test(m) ? `unknown option ${/Unknown option '([^']*)'/.exec(m)![1]}` : 'could not read the options (see usage)');
  }
}

function oneId(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one key id`);
  return positionals[0]!;
}

async function main(argv: string[]): Promise<number> {
  const { command, positionals, values } = splitArgs(argv);
  if (!command || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command "${command}"`);
  const cmd = COMMANDS[command]!;
  // Validate everything before touching the database.
  const options = parse(cmd.options, values);
  if (!cmd.takesKeyId && positionals.length > 0) throw new UsageError(`${command} takes no positional arguments`);
  const id = cmd.takesKeyId ? oneId(positionals, command) : undefined;

  const config = loadConfig(process.env);
  const { db, close } = await openDatabase(config);
  try {
    await migrateToLatest(db as Kysely<unknown>);
    const ring = resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, create: command === 'add' });
    return await cmd.run({ db, config, ring, id }, options);
  } finally {
    await close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`keys: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const known = err instanceof KeyPoolError || (err instanceof Error && err.name === 'ConfigError');
    console.error(`keys: ${known ? (err as Error).message : err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
