// The sub-commands of `npm run keys`, one function each, in a table that names the options and arguments each takes.
import fs from 'node:fs';
import { GoogleGenAI } from '@google/genai';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { classifyGeminiError } from '../adapters/gemini';
import { findMasterKey, masterKeyFile, nextMasterKeyFile, writeMasterKeyFile, type MasterKeyRing } from '../adapters/master-key-file';
import { SIMULATOR_LABEL, SIMULATOR_SUPERSEDED } from '../adapters/providers';
import { classifyTtsError, createTtsClient } from '../adapters/tts';
import { reportOutcome } from '../db/key-reports';
import { addKey, findKey, listKeys, listProjects, removeKey, sealedSecret, setKeyStatus, setProjectLimits, type ApiKeyView } from '../db/keys';
import { rotateMasterKey } from '../db/master-key-rotation';
import type { Database } from '../db/schema';
import type { Config } from '../domain/config';
import { formatMasterKey, generateMasterKey, masterKeyId, maskKey, openSecret, scrubSecret } from '../domain/crypto';
import { BoltError, Stage } from '../domain/errors';
import { currentUsage } from '../domain/quota';
import { startSimulators } from '../simulators/server';

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {}

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

/** What a command runs with: the database, the configuration, the master keys, and the key it names (if any). */
export interface CommandContext {
  db: Kysely<Database>;
  config: Config;
  ring: MasterKeyRing;
  /** The key id (or prefix) given, for commands that take one. */
  id?: string;
}

/** One sub-command: its options (validated before the database is opened), whether it names a key, and what it does. */
export interface Command {
  options: z.ZodType;
  takesKeyId: boolean;
  run(c: CommandContext, options: unknown): Promise<number>;
}

const command = <S extends z.ZodType>(options: S, takesKeyId: boolean, run: (c: CommandContext, o: z.infer<S>) => Promise<number>): Command => ({
  options,
  takesKeyId,
  run: run as Command['run'],
});

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8').trim();
}

const fmtTime = (d: Date | null) => (d ? d.toISOString().replace('.000Z', 'Z') : '-');
const named = (k: ApiKeyView) => `${k.service} key ${maskKey(k.last4)} (${k.id})`;

function stateOf(k: ApiKeyView): string {
  if (k.status === 'disabled') return `disabled: ${k.disabled_reason ?? '(no reason)'}`;
  if (k.circuit === 'closed') return k.consecutive_failures > 0 ? `active (${k.consecutive_failures} failure(s) in a row)` : 'active';
  return k.circuit === 'open' ? `resting until ${fmtTime(k.reopen_at)}` : 'probing (half-open)';
}

function describe(k: ApiKeyView): Record<string, string> {
  const used = currentUsage({ rpm: k.rpm, rpd: k.rpd, minuteLog: k.minute_log, dayWindow: k.day_window, dayCount: k.day_count }, new Date());
  return {
    id: k.id,
    service: k.service,
    key: maskKey(k.last4),
    account: k.account_email,
    project: k.project ?? '-',
    label: k.label ?? '-',
    target: k.target,
    state: stateOf(k),
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

async function add({ db, ring }: CommandContext, a: z.infer<typeof AddArgs>): Promise<number> {
  const plaintext = a.key === '-' ? await readStdin() : a.key;
  if (!plaintext || /\s/.test(plaintext)) throw new UsageError('--key: must be one word with no spaces');
  const target = a.simulator ? 'simulator' : 'google';
  const { key } = await addKey(db, ring.current, { service: a.service, key: plaintext, accountEmail: a.email, project: a.project, label: a.label, rpm: a.rpm, rpd: a.rpd, target });
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

async function list({ db }: CommandContext, a: z.infer<typeof ListArgs>): Promise<number> {
  const keys = await listKeys(db, { service: a.service });
  if (a.json) {
    console.log(JSON.stringify({ keys: keys.map(describe), projects: await listProjects(db, a.service) }, null, 2));
    return 0;
  }
  console.log(table(keys.map(describe)));
  const projects = (await listProjects(db, a.service)).filter((p) => p.rpm !== null || p.rpd !== null);
  if (projects.length) console.log(`\nproject limits:\n${projects.map((p) => `  ${p.service} ${p.project}: ${p.rpm ?? '∞'} rpm, ${p.rpd ?? '∞'} rpd`).join('\n')}`);
  return 0;
}

async function setLimits({ db }: CommandContext, a: z.infer<typeof LimitArgs>): Promise<number> {
  if (a.rpm === undefined && a.rpd === undefined) throw new UsageError('limit needs --rpm and/or --rpd');
  await setProjectLimits(db, a.service, a.project, { rpm: a.rpm, rpd: a.rpd });
  console.log(`project ${a.project} (${a.service}): limits set`);
  return 0;
}

/** One cheap real call with the key (Gemini: a tiny generateContent; TTS: the voice list); an invalid key is disabled. */
async function testKey({ db, config, ring }: CommandContext, key: ApiKeyView): Promise<boolean> {
  const sealed = await sealedSecret(db, key.id);
  const master = findMasterKey(ring, sealed?.masterKeyId);
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

/** Seals every key again under a new master key: printed for BOLT_MASTER_KEY, or swapped into the data directory. */
async function rotate({ db, config, ring }: CommandContext): Promise<number> {
  if (ring.source === 'environment') {
    const next = ring.others[0] ?? generateMasterKey();
    const n = await rotateMasterKey(db, ring.current, next);
    console.log(`re-encrypted ${n} key(s). Set this as BOLT_MASTER_KEY for every process, then restart them:`);
    console.log(formatMasterKey(next));
    return 0;
  }
  // File mode: stage the new key next to the old one, re-encrypt in one transaction, then swap files.
  // If this stops half-way, running it again finishes the job (rows already under the new key are skipped).
  const nextFile = nextMasterKeyFile(config.dataDir);
  const next = ring.others[0] ?? generateMasterKey();
  if (!ring.others[0]) writeMasterKeyFile(nextFile, next);
  const n = await rotateMasterKey(db, ring.current, next);
  fs.renameSync(nextFile, masterKeyFile(config.dataDir));
  console.log(`re-encrypted ${n} key(s) under a new master key (${masterKeyId(next)}), stored in ${masterKeyFile(config.dataDir)}; restart running workers`);
  return 0;
}

/** Runs `change` on the key the command names, then says what was done to it. */
const onNamedKey = (done: string, change: (c: CommandContext, key: ApiKeyView) => Promise<unknown>) => async (c: CommandContext) => {
  const key = await findKey(c.db, c.id!);
  await change(c, key);
  console.log(`${done} ${named(key)}`);
  return 0;
};

/** Every sub-command by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  add: command(AddArgs, false, add),
  list: command(ListArgs, false, list),
  disable: command(DisableArgs, true, (c, a) =>
    onNamedKey('disabled', ({ db }, key) => setKeyStatus(db, key.id, { status: 'disabled', reason: a.reason ?? 'disabled by an operator' }))(c),
  ),
  enable: command(NoArgs, true, onNamedKey('enabled', ({ db }, key) => setKeyStatus(db, key.id, { status: 'active' }))),
  remove: command(NoArgs, true, onNamedKey('removed', ({ db }, key) => removeKey(db, key.id))),
  limit: command(LimitArgs, false, setLimits),
  test: command(NoArgs, true, async (c) => ((await testKey(c, await findKey(c.db, c.id!))) ? 0 : 1)),
  'rotate-master-key': command(NoArgs, false, rotate),
};
