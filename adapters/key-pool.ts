// The key pool as the workers use it: lease a key in PostgreSQL, decrypt it here (never in Temporal
// history), call Google with a client cached per key, report the outcome, move to another key or wait.
import fs from 'node:fs';
import path from 'node:path';
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import { Context, sleep as activitySleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { untilPostgres } from '../db/leases';
import { leaseKey, reportOutcome, type Lease } from '../db/key-leases';
import { restModel } from '../db/key-model-usage';
import { listKeys, listProjects, sealedSecret } from '../db/keys';
import { clearWaiting, markWaiting } from '../db/quota-waits';
import type { Database, KeyService } from '../db/schema';
import { DEFAULT_BREAKER_POLICY, type BreakerPolicy, type CallOutcome, type QuotaScope } from '../domain/breaker';
import { formatMasterKey, generateMasterKey, masterKeyId, openSecret, parseMasterKey, scrubSecret, type MasterKey } from '../domain/crypto';
import { BoltError, ErrorCode, type Stage } from '../domain/errors';
import { queueRatePerSecond } from '../domain/quota';
import { shippedCatalog } from '../domain/catalog';
import { GeminiScriptWriter } from './gemini';
import type { BoltMetrics, ProviderCallOutcome } from './metrics';
import { observeProviderCall } from './provider-calls';
import { classifyTtsError, createTtsClient } from './tts';

/** The master key in use, plus any other one found (a rotation interrupted before its last step). */
export interface MasterKeyRing {
  current: MasterKey;
  others: MasterKey[];
  source: 'environment' | 'file';
  file?: string;
}

/** Where the embedded default keeps its master key, and where a rotation stages the next one. */
export const masterKeyFile = (dataDir: string) => path.join(dataDir, 'master.key');
export const nextMasterKeyFile = (dataDir: string) => path.join(dataDir, 'master.key.next');

/** Writes a master key file readable by its owner only. */
export function writeMasterKeyFile(file: string, key: MasterKey): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${formatMasterKey(key)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

function readKeyFile(file: string): MasterKey | undefined {
  if (!fs.existsSync(file)) return undefined;
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) fs.chmodSync(file, 0o600);
  return parseMasterKey(fs.readFileSync(file, 'utf8'));
}

/**
 * The master key: `BOLT_MASTER_KEY` when set, else `<dataDir>/master.key`, generated (0600) on first
 * use when `create` is true. A `master.key.next` left by an interrupted rotation is kept as a second key.
 */
export function resolveMasterKey(o: { configured?: MasterKey; dataDir: string; create: boolean }): MasterKeyRing {
  const next = readKeyFile(nextMasterKeyFile(o.dataDir));
  if (o.configured) return { current: o.configured, others: next ? [next] : [], source: 'environment' };
  const file = masterKeyFile(o.dataDir);
  let current = readKeyFile(file);
  if (!current) {
    if (!o.create) throw new Error(`no master key: set BOLT_MASTER_KEY or start Bolt IA once to create ${file}`);
    current = generateMasterKey();
    writeMasterKeyFile(file, current);
  }
  return { current, others: next ? [next] : [], source: 'file', file };
}

/** What a provider call is for: the job it serves (to show "waiting for quota") and how many requests it makes. */
export interface CallContext {
  stage: Stage;
  jobId?: string;
  batchId?: string;
  /** Requests the call will make (TTS chunks). @default 1 */
  cost?: number;
  /** A model with its own per-project quota (Gemini-TTS): counted against it, apart from the service's classic quota. */
  model?: string;
}

/** A provider whose calls run on pooled keys. */
export interface KeyedProvider<C> {
  run<T>(ctx: CallContext, call: (client: C) => Promise<T>): Promise<T>;
  /** One cheap call on one given key (an admin's key test); its outcome moves the key's breaker like any call. */
  probe?(keyId: string): Promise<KeyProbeResult>;
}

/** What a key test found. */
export interface KeyProbeResult {
  ok: boolean;
  /** What the provider said (the error's message, the key masked), or what was checked. */
  message: string;
  latencyMs: number;
}

export interface KeyPoolOptions {
  db: Kysely<Database>;
  masterKeys: MasterKeyRing;
  /** Reads the master keys again, for keys sealed after a rotation this process has not seen. */
  reloadMasterKeys?: () => MasterKeyRing;
  gemini: { baseUrl?: string; model: string };
  tts: { baseUrl?: string };
  /** Base URL of the simulators, for keys whose target is `simulator`. */
  simulatorUrl?: string;
  policy?: BreakerPolicy;
  /** Longest wait for a key inside one activity attempt before the wait is handed to Temporal's retry. @default 60000 */
  maxWaitInAttemptMs?: number;
  /** Requests per minute per project of models with their own quota (Gemini-TTS), by model. */
  modelQuotas?: Readonly<Record<string, number>>;
  /** Keys tried by one call (after quota or invalid-key answers) before it gives up to Temporal. @default 5 */
  maxKeysPerCall?: number;
  log?: (line: string) => void;
  /** Counts calls, their outcomes and latency, and waits for a key. */
  metrics?: BoltMetrics;
}

/** Polling step while waiting for a key. */
const WAIT_STEP_MS = 1000;
/** Longest delay handed to Temporal for one wait; a key added meanwhile is found at the next attempt. */
const MAX_RETRY_DELAY_MS = 30 * 60_000;
/** Wait when the service has no active key at all (an operator must add or enable one). */
const NO_KEY_DELAY_MS = 60_000;

/** Reads what the pool needs from a provider error: the breaker outcome, or undefined when it says nothing about the key. */
export function outcomeOf(err: unknown): CallOutcome | undefined {
  if (!(err instanceof BoltError)) return undefined;
  const opts = err.options as { retryAfterMs?: number; quotaScope?: string };
  switch (err.code) {
    case ErrorCode.quotaExhausted:
      return {
        kind: 'quota',
        retryAfterMs: typeof opts.retryAfterMs === 'number' ? opts.retryAfterMs : undefined,
        scope: opts.quotaScope === 'day' || opts.quotaScope === 'minute' ? (opts.quotaScope as QuotaScope) : undefined,
      };
    case ErrorCode.keyInvalid:
      return { kind: 'invalid', reason: err.message };
    case ErrorCode.providerUnavailable:
      return { kind: 'failure' };
    default:
      // Content refusals, bad requests, truncation: the key answered, so it works.
      return { kind: 'success' };
  }
}

/** The `outcome` label of a provider call that threw `err`. */
function outcomeLabel(err: unknown): ProviderCallOutcome {
  const kind = outcomeOf(err)?.kind;
  if (kind === 'quota') return 'quota';
  if (kind === 'invalid') return 'invalid_key';
  if (kind === 'success') return 'refused';
  return 'failure';
}

/** The same error with every occurrence of the key replaced by its mask (SDK messages may quote request URLs). */
function scrubbed(err: unknown, secret: string): unknown {
  if (err instanceof BoltError) {
    if (!err.message.includes(secret)) return err;
    return new BoltError(err.code, scrubSecret(err.message, secret), err.options);
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.includes(secret) || (err instanceof Error && err.stack?.includes(secret)) ? new Error(scrubSecret(message, secret)) : err;
}

function inActivity(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}

/** Leases keys for provider calls; one per worker process, shared by its activities. */
export class KeyPool {
  private readonly clients = new Map<string, { client: GeminiScriptWriter | TextToSpeechClient; secret: string }>();
  private readonly policy: BreakerPolicy;
  readonly gemini: KeyedProvider<GeminiScriptWriter>;
  readonly tts: KeyedProvider<TextToSpeechClient>;

  private masterKeys: MasterKeyRing;
  private readonly modelQuotas: Readonly<Record<string, number>>;

  constructor(private readonly o: KeyPoolOptions) {
    this.policy = o.policy ?? DEFAULT_BREAKER_POLICY;
    this.modelQuotas = o.modelQuotas ?? Object.fromEntries(Object.entries(shippedCatalog().prices.geminiTts?.models ?? {}).map(([m, q]) => [m, q.requestsPerMinute]));
    this.masterKeys = o.masterKeys;
    this.gemini = { run: (ctx, call) => this.run('gemini', ctx, (c) => call(c as GeminiScriptWriter)), probe: (id) => this.probe('gemini', id) };
    this.tts = { run: (ctx, call) => this.run('tts', ctx, (c) => call(c as TextToSpeechClient)), probe: (id) => this.probe('tts', id) };
  }

  /** Forgets cached clients (after a key was removed or the master key rotated). */
  forget(keyId?: string): void {
    if (keyId) this.clients.delete(keyId);
    else this.clients.clear();
  }

  private async clientFor(lease: Lease): Promise<{ client: GeminiScriptWriter | TextToSpeechClient; secret: string }> {
    const cached = this.clients.get(lease.keyId);
    if (cached) return cached;
    const sealed = await sealedSecret(this.o.db, lease.keyId);
    if (!sealed) throw new Error(`key ${lease.keyId} was removed while leased`);
    const find = () => [this.masterKeys.current, ...this.masterKeys.others].find((k) => masterKeyId(k) === sealed.masterKeyId);
    let master = find();
    if (!master && this.o.reloadMasterKeys) {
      // `keys rotate-master-key` ran while this worker was up: the data directory has the new key.
      this.masterKeys = this.o.reloadMasterKeys();
      master = find();
    }
    if (!master) throw new Error(`key ${lease.keyId} is sealed under master key ${sealed.masterKeyId}, which this worker does not have (BOLT_MASTER_KEY differs?)`);
    const secret = openSecret(master, sealed.secret, lease.keyId);
    let baseUrl: string | undefined;
    if (lease.target === 'simulator') {
      if (!this.o.simulatorUrl) throw new Error(`key …${lease.last4} targets the simulators, but none run in this worker`);
      baseUrl = this.o.simulatorUrl;
    } else {
      baseUrl = lease.service === 'gemini' ? this.o.gemini.baseUrl : this.o.tts.baseUrl;
    }
    const client =
      lease.service === 'gemini' ? new GeminiScriptWriter({ apiKey: secret, baseUrl, model: this.o.gemini.model }) : createTtsClient({ apiKey: secret, baseUrl });
    const entry = { client, secret };
    this.clients.set(lease.keyId, entry);
    return entry;
  }

  /**
   * Runs `call` with a leased key of `service`. Quota and invalid-key answers move the call to
   * another key; when no key can serve, it waits (heartbeating) and, past the attempt's waiting
   * budget, throws a retryable `quota_exhausted` failure whose next retry is the earliest reopen.
   */
  async run<T>(service: KeyService, ctx: CallContext, call: (client: GeminiScriptWriter | TextToSpeechClient) => Promise<T>): Promise<T> {
    const started = Date.now();
    const maxWait = this.o.maxWaitInAttemptMs ?? 60_000;
    const maxKeys = this.o.maxKeysPerCall ?? 5;
    const waitRow = ctx.jobId && ctx.batchId ? { jobId: ctx.jobId, batchId: ctx.batchId, service } : undefined;
    let waitingUntil: number | null | undefined; // undefined: not marked as waiting
    let waitStarted: number | undefined;
    let tried = 0;
    try {
      for (;;) {
        const rpm = ctx.model ? this.modelQuotas[ctx.model] : undefined;
        // Before the call: a PostgreSQL restart here only delays it.
        const lease = await untilPostgres(() => leaseKey(this.o.db, service, { cost: ctx.cost, policy: this.policy, ...(ctx.model && rpm ? { model: { name: ctx.model, rpm } } : {}) }));
        if (!('keyId' in lease)) {
          if (waitStarted === undefined) {
            waitStarted = Date.now();
            this.o.metrics?.keyWaits.inc({ provider: service });
          }
          const until = lease.waitUntil?.getTime() ?? null;
          if (waitRow && waitingUntil !== until) {
            await markWaiting(this.o.db, { ...waitRow, until: lease.waitUntil });
            waitingUntil = until;
          }
          const delay = until === null ? NO_KEY_DELAY_MS : Math.max(0, until - Date.now());
          const left = maxWait - (Date.now() - started);
          if (delay > left) {
            const when = until === null ? `a ${service} key is added or enabled` : new Date(until).toISOString();
            throw ApplicationFailure.create({
              type: ErrorCode.quotaExhausted,
              message: `waiting for quota: no ${service} key can serve until ${when}`,
              nonRetryable: false,
              nextRetryDelay: Math.min(MAX_RETRY_DELAY_MS, Math.max(1000, delay)),
              details: [{ stage: ctx.stage }],
            });
          }
          await this.pause(Math.min(WAIT_STEP_MS, Math.max(50, delay)));
          continue;
        }
        if (waitRow && waitingUntil !== undefined) {
          await clearWaiting(this.o.db, waitRow.jobId, service);
          waitingUntil = undefined;
        }
        if (waitStarted !== undefined) {
          this.o.metrics?.keyWaitSeconds.observe({ provider: service }, (Date.now() - waitStarted) / 1000);
          waitStarted = undefined;
        }
        tried++;
        let entry;
        try {
          entry = await this.clientFor(lease);
        } catch (err) {
          await reportOutcome(this.o.db, lease, { kind: 'failure' }, err instanceof Error ? err.message : String(err), { policy: this.policy });
          throw err;
        }
        try {
          const attributes = { 'bolt.stage': ctx.stage, 'bolt.key_id': lease.keyId, 'bolt.requests': ctx.cost ?? 1, ...(ctx.model ? { 'bolt.model': ctx.model } : {}), ...(ctx.jobId ? { 'bolt.job_id': ctx.jobId } : {}) };
          const result = await observeProviderCall(this.o.metrics, { provider: service, attributes, outcomeOf: outcomeLabel }, () => call(entry.client));
          // The call is bought: a PostgreSQL restart while its success is noted must not throw the result away.
          await untilPostgres(() => reportOutcome(this.o.db, lease, { kind: 'success' }, undefined, { policy: this.policy }), { maxMs: 60_000 }).catch((err: unknown) =>
            this.o.log?.(`${service} key …${lease.last4}: success not recorded (${err instanceof Error ? err.message : String(err)})`),
          );
          return result;
        } catch (raw) {
          const err = scrubbed(raw, entry.secret);
          const outcome = outcomeOf(err);
          if (outcome?.kind === 'quota' && ctx.model && rpm) {
            // A model's own quota (Gemini-TTS): hold that model back, not the key, whose classic voices go on.
            await restModel(this.o.db, service, { name: ctx.model, rpm }, lease, new Date(Date.now() + (outcome.retryAfterMs ?? 60_000)));
            if (tried < maxKeys) continue;
            throw err;
          }
          if (outcome) await reportOutcome(this.o.db, lease, outcome, err instanceof Error ? err.message : String(err), { policy: this.policy });
          if (outcome?.kind === 'invalid') this.o.log?.(`${service} key …${lease.last4} (${lease.keyId}) disabled: ${err instanceof Error ? err.message : ''}`);
          if ((outcome?.kind === 'quota' || outcome?.kind === 'invalid') && tried < maxKeys) continue;
          throw err;
        }
      }
    } finally {
      if (waitRow && waitingUntil !== undefined) await clearWaiting(this.o.db, waitRow.jobId, service).catch(() => undefined);
      if (waitStarted !== undefined) this.o.metrics?.keyWaitSeconds.observe({ provider: service }, (Date.now() - waitStarted) / 1000);
    }
  }

  /**
   * Tests one key with the cheapest call its service has (Gemini: a five-token answer; TTS: the voice list
   * of one language), whatever its breaker says, and records the outcome (an invalid key is disabled).
   */
  async probe(service: KeyService, keyId: string): Promise<KeyProbeResult> {
    const row = (await listKeys(this.o.db, { service })).find((k) => k.id === keyId);
    if (!row) throw new BoltError(ErrorCode.notFound, `no ${service} key ${keyId}`);
    const lease: Lease = { keyId, service, target: row.target, last4: row.last4, project: row.project, probe: true, leasedAt: new Date() };
    const started = Date.now();
    const entry = await this.clientFor(lease);
    try {
      if (service === 'gemini') await (entry.client as GeminiScriptWriter).probe();
      else {
        try {
          await (entry.client as TextToSpeechClient).listVoices({ languageCode: 'en-US' });
        } catch (err) {
          throw classifyTtsError(err);
        }
      }
      await reportOutcome(this.o.db, lease, { kind: 'success' }, undefined, { policy: this.policy });
      return { ok: true, message: service === 'gemini' ? 'Gemini answered' : 'Text-to-Speech listed its voices', latencyMs: Date.now() - started };
    } catch (raw) {
      const err = scrubbed(raw, entry.secret);
      const message = err instanceof Error ? err.message : String(err);
      const outcome = outcomeOf(err) ?? { kind: 'failure' as const };
      await reportOutcome(this.o.db, lease, outcome, message, { policy: this.policy });
      return { ok: outcome.kind === 'success', message, latencyMs: Date.now() - started };
    }
  }

  private async pause(ms: number): Promise<void> {
    if (inActivity()) {
      Context.current().heartbeat();
      await activitySleep(ms);
    } else {
      await new Promise((r) => setTimeout(r, ms));
    }
  }
}

/**
 * Queue-wide activity starts per second for each service, from the RPM limits of its active keys
 * and projects; undefined (no queue limit) when any key is unlimited.
 */
export async function poolQueueRates(db: Kysely<Database>): Promise<{ gemini?: number; tts?: number }> {
  const rates: { gemini?: number; tts?: number } = {};
  for (const service of ['gemini', 'tts'] as const) {
    const keys = await listKeys(db, { service, status: 'active' });
    const projects = new Map((await listProjects(db, service)).map((p) => [p.project, p.rpm]));
    rates[service] = queueRatePerSecond(keys, projects);
  }
  return rates;
}
