// `npm run keys -- <command>`: manages the API-key pool in the same database `npm start` uses.
// Keys are shown masked; the key itself is only ever read (from --key or stdin), sealed and stored.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { GoogleGenAI } from '@google/genai';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { classifyGeminiError } from '../adapters/gemini';
import { masterKeyFile, nextMasterKeyFile, resolveMasterKey, writeMasterKeyFile, type MasterKeyRing } from '../adapters/master-key-file';
import { SIMULATOR_LABEL, SIMULATOR_SUPERSEDED } from '../adapters/providers';
import { classifyTtsError, createTtsClient } from '../adapters/tts';
import { reportOutcome } from '../db/key-leases';
import { addKey, findKey, KeyPoolError, listKeys, listProjects, removeKey, sealedSecret, setKeyStatus, setProjectLimits, type ApiKeyView } from '../db/keys';
import { rotateMasterKey } from '../db/master-key-rotation';
import { migrateToLatest } from '../db/migrator';
import type { Database } from '../db/schema';
import { loadConfig, type Config } from '../domain/config';
import { openDatabase } from '../stack/database';
import { formatMasterKey, generateMasterKey, masterKeyId, maskKey, openSecret, scrubSecret } from '../domain/crypto';
import { BoltError, Stage } from '../domain/errors';
import { currentUsage } from '../domain/quota';
import { startSimulators } from '../simulators/server';

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

/** A command-line mistake: printed with the usage, exit code 2. */
class UsageError extends Error {}

const service = z.enum(['gemini', 'tts'], { message: 'must be gemini or tts' });
const count = z.coerce.number({ message: 'must be a number' }).int('must be a whole number').positive('must be at least 1');
const limit = z.union([z.literal('none').transform(() => null), count]);

const AddArgs = z.strictObject({
  email: z.string({ message: 'is required' }).email('must be an email address'),
  service: service,
  key: z.string({ message: 'is required (or - to read it from stdin)' }).min(1, 'is required'),
  project: z.string().min(1).max(200).optional(),
  label: z.string().min(1).max(200).optional(),
  rpm: count.optional(),
  rpd: count.optional(),
  'project-rpm': count.optional(),
  'project-rpd': count.optional(),
  simulator: z.boolean().optional(),
});
const ListArgs = z.strictObject({ service: service.optional(), json: z.boolean().optional() });
const DisableArgs = z.strictObject({ reason: z.string().min(1).max(500).optional() });
const LimitArgs = z.strictObject({ service, project: z.string({ message: 'is required' }).min(1), rpm: limit.optional(), rpd: limit.optional() });
const NoArgs = z.strictObject({});

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

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8').trim();
}

const fmtTime = (d: Date | null) => (d ? d.toISOString().replace('.000Z', 'Z') : '-');

function describe(k: ApiKeyView): Record<string, string> {
  const now = new Date();
  const used = currentUsage({ rpm: k.rpm, rpd: k.rpd, minuteLog: k.minute_log, dayWindow: k.day_window, dayCount: k.day_count }, now);
  const state =
    k.status === 'disabled'
      ? `disabled: ${k.disabled_reason ?? '(no reason)'}`
      : k.circuit === 'closed'
        ? k.consecutive_failures > 0
          ? `active (${k.consecutive_failures} failure(s) in a row)`
          : 'active'
        : k.circuit === 'open'
          ? `resting until ${fmtTime(k.reopen_at)}`
          : 'probing (half-open)';
  return {
    id: k.id,
    service: k.service,
    key: maskKey(k.last4),
    account: k.account_email,
    project: k.project ?? '-',
    label: k.label ?? '-',
    target: k.target,
    state,
    'last 60 s': `${used.minute}/${k.rpm ?? '∞'}`,
    day: `${used.day}/${k.rpd ?? '∞'}`,
    'last error': k.last_error ? `${fmtTime(k.last_error_at)} ${k.last_error.slice(0, 120)}` : '-',
  };
}

function table(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return '(no keys)';
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: Record<string, string>) => cols.map((c, i) => r[c]!.padEnd(width[i]!)).join('  ').trimEnd();
  return [line(Object.fromEntries(cols.map((c) => [c, c]))), ...rows.map(line)].join('\n');
}

async function testKey(db: Kysely<Database>, config: Config, ring: MasterKeyRing, key: ApiKeyView): Promise<boolean> {
  const sealed = await sealedSecret(db, key.id);
  const master = [ring.current, ...ring.others].find((m) => masterKeyId(m) === sealed?.masterKeyId);
  if (!sealed || !master) throw new Error(`key ${key.id} is sealed under a master key this command does not have`);
  const secret = openSecret(master, sealed.secret, key.id);
  const sims = key.target === 'simulator' ? await startSimulators() : undefined;
  try {
    const baseUrl = sims?.url ?? (key.service === 'gemini' ? config.gemini.baseUrl : config.tts.baseUrl);
    if (key.service === 'gemini') {
      const ai = new GoogleGenAI({ apiKey: secret, httpOptions: { ...(baseUrl ? { baseUrl } : {}), timeout: 30_000 } });
      await ai.models.generateContent({ model: config.gemini.model, contents: 'Reply with the single word OK.', config: { maxOutputTokens: 5 } });
    } else {
      const client = createTtsClient({ apiKey: secret, baseUrl });
      try {
        await client.listVoices({ languageCode: 'en-US' });
      } finally {
        await client.close();
      }
    }
    await reportOutcome(db, { keyId: key.id, service: key.service }, { kind: 'success' });
    console.log(`ok: the ${key.service} key ${maskKey(key.last4)} works`);
    return true;
  } catch (raw) {
    const err = key.service === 'gemini' ? classifyGeminiError(raw, Stage.master) : classifyTtsError(raw);
    const message = scrubSecret(err.message, secret);
    console.error(`failed (${err.code}): ${message}`);
    if (err instanceof BoltError && err.code === 'key_invalid') {
      await reportOutcome(db, { keyId: key.id, service: key.service }, { kind: 'invalid', reason: message }, message);
      console.error('the key is now disabled; fix it at Google, then `keys enable` it');
    }
    return false;
  } finally {
    await sims?.close();
  }
}

async function rotate(db: Kysely<Database>, config: Config, ring: MasterKeyRing): Promise<void> {
  if (ring.source === 'environment') {
    const next = ring.others[0] ?? generateMasterKey();
    const n = await rotateMasterKey(db, ring.current, next);
    console.log(`re-encrypted ${n} key(s). Set this as BOLT_MASTER_KEY for every process, then restart them:`);
    console.log(formatMasterKey(next));
    return;
  }
  // File mode: stage the new key next to the old one, re-encrypt in one transaction, then swap files.
  // If this stops half-way, running it again finishes the job (rows already under the new key are skipped).
  const nextFile = nextMasterKeyFile(config.dataDir);
  const next = ring.others[0] ?? generateMasterKey();
  if (!ring.others[0]) writeMasterKeyFile(nextFile, next);
  const n = await rotateMasterKey(db, ring.current, next);
  fs.renameSync(nextFile, masterKeyFile(config.dataDir));
  console.log(`re-encrypted ${n} key(s) under a new master key (${masterKeyId(next)}), stored in ${masterKeyFile(config.dataDir)}; restart running workers`);
}

async function main(argv: string[]): Promise<number> {
  const { command, positionals, values } = splitArgs(argv);
  if (!command || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const known = ['add', 'list', 'disable', 'enable', 'remove', 'limit', 'test', 'rotate-master-key'];
  if (!known.includes(command)) throw new UsageError(`unknown command "${command}"`);
  // Validate everything before touching the database.
  const args =
    command === 'add'
      ? parse(AddArgs, values)
      : command === 'list'
        ? parse(ListArgs, values)
        : command === 'disable'
          ? parse(DisableArgs, values)
          : command === 'limit'
            ? parse(LimitArgs, values)
            : parse(NoArgs, values);
  if (['add', 'list', 'limit', 'rotate-master-key'].includes(command) && positionals.length > 0) throw new UsageError(`${command} takes no positional arguments`);
  const id = ['disable', 'enable', 'remove', 'test'].includes(command) ? oneId(positionals, command) : undefined;

  const config = loadConfig();
  const { db, close } = await openDatabase(config);
  try {
    await migrateToLatest(db as Kysely<unknown>);
    const ring = resolveMasterKey({ configured: config.masterKey, dataDir: config.dataDir, create: command === 'add' });
    switch (command) {
      case 'add': {
        const a = args as z.infer<typeof AddArgs>;
        const plaintext = a.key === '-' ? await readStdin() : a.key;
        if (!plaintext || /\s/.test(plaintext)) throw new UsageError('--key: must be one word with no spaces');
        const { key } = await addKey(db, ring.current, {
          service: a.service,
          key: plaintext,
          accountEmail: a.email,
          project: a.project,
          label: a.label,
          rpm: a.rpm,
          rpd: a.rpd,
          target: a.simulator ? 'simulator' : 'google',
        });
        if (a.project && (a['project-rpm'] !== undefined || a['project-rpd'] !== undefined)) {
          await setProjectLimits(db, a.service, a.project, { rpm: a['project-rpm'], rpd: a['project-rpd'] });
        } else if (a['project-rpm'] !== undefined || a['project-rpd'] !== undefined) {
          throw new UsageError('--project-rpm and --project-rpd need --project');
        }
        if (!a.simulator) {
          for (const s of await listKeys(db, { service: a.service, status: 'active', target: 'simulator' })) {
            if (s.label === SIMULATOR_LABEL) await setKeyStatus(db, s.id, { status: 'disabled', reason: SIMULATOR_SUPERSEDED });
          }
        }
        console.log(`added ${key.service} key ${maskKey(key.last4)} as ${key.id}`);
        return 0;
      }
      case 'list': {
        const a = args as z.infer<typeof ListArgs>;
        const keys = await listKeys(db, { service: a.service });
        if (a.json) {
          console.log(JSON.stringify({ keys: keys.map(describe), projects: await listProjects(db, a.service) }, null, 2));
        } else {
          console.log(table(keys.map(describe)));
          const projects = (await listProjects(db, a.service)).filter((p) => p.rpm !== null || p.rpd !== null);
          if (projects.length) console.log(`\nproject limits:\n${projects.map((p) => `  ${p.service} ${p.project}: ${p.rpm ?? '∞'} rpm, ${p.rpd ?? '∞'} rpd`).join('\n')}`);
        }
        return 0;
      }
      case 'disable': {
        const key = await findKey(db, id!);
        await setKeyStatus(db, key.id, { status: 'disabled', reason: (args as z.infer<typeof DisableArgs>).reason ?? 'disabled by an operator' });
        console.log(`disabled ${key.service} key ${maskKey(key.last4)} (${key.id})`);
        return 0;
      }
      case 'enable': {
        const key = await findKey(db, id!);
        await setKeyStatus(db, key.id, { status: 'active' });
        console.log(`enabled ${key.service} key ${maskKey(key.last4)} (${key.id})`);
        return 0;
      }
      case 'remove': {
        const key = await findKey(db, id!);
        await removeKey(db, key.id);
        console.log(`removed ${key.service} key ${maskKey(key.last4)} (${key.id})`);
        return 0;
      }
      case 'limit': {
        const a = args as z.infer<typeof LimitArgs>;
        if (a.rpm === undefined && a.rpd === undefined) throw new UsageError('limit needs --rpm and/or --rpd');
        await setProjectLimits(db, a.service, a.project, { rpm: a.rpm, rpd: a.rpd });
        console.log(`project ${a.project} (${a.service}): limits set`);
        return 0;
      }
      case 'test':
        return (await testKey(db, config, ring, await findKey(db, id!))) ? 0 : 1;
      case 'rotate-master-key':
        await rotate(db, config, ring);
        return 0;
    }
    return 2;
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
