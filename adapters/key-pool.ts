// The key pool as the workers use it: lease a key in PostgreSQL, call Google with that key's client, report
// the outcome, move to another key or wait. Waiting sleeps and heartbeats through what the caller injects.
import { WAIT_REASON_TEXT, type WaitReason } from '../domain/wait-reason';
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import { ApplicationFailure } from '@temporalio/common';
import { leaseKeys, type Lease, type NoLease } from '../db/key-leases';
import { reportOutcome } from '../db/key-reports';
import { restampModelRequests, restModel } from '../db/key-model-usage';
import { listKeys } from '../db/keys';
import { untilPostgres } from '../db/leases';
import { clearWaiting, markWaiting } from '../db/quota-waits';
import type { KeyService } from '../db/schema';
import { DEFAULT_BREAKER_POLICY, type BreakerPolicy } from '../domain/breaker';
import { shippedCatalog } from '../domain/catalog';
import { BoltError, ErrorCode } from '../domain/errors';
import { outcomeOf, scrubbedError } from '../domain/key-outcomes';
import type { GeminiScriptWriter } from './gemini';
import { KeyClients, type KeyClient, type KeyClientOptions } from './key-clients';
import type { BoltMetrics, ProviderCallOutcome } from './metrics';
import { LeaseGroups } from './lease-groups';
import type { CallContext, KeyedProvider, KeyProbeResult } from './keyed-provider';
import { activityPriorityKey, PriorityGate } from './priority';
import { observeProviderCall } from './provider-calls';
import { withSendMark, type SendMark } from './send-marks';
import { classifyTtsError } from './tts';

/** How a call waits for a key: inside an activity, the activity's sleep and heartbeat (the activity layer passes them). */
export interface KeyWaiting {
  /** @default a plain timer */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each sleep, so a long wait does not look like a dead worker. */
  heartbeat?: () => void;
}

export interface KeyPoolOptions extends KeyClientOptions, KeyWaiting {
  policy?: BreakerPolicy;
  /** Longest wait for a key inside one activity attempt (leasing again every second) before the wait is handed to Temporal's retry. @default 60000 */
  maxWaitInAttemptMs?: number;
  /** Requests per minute per project of models with their own quota (Gemini-TTS), by model. */
  modelQuotas?: Readonly<Record<string, number>>;
  /** Keys tried by one call (after quota or invalid-key answers) before it gives up to Temporal. @default 5 */
  maxKeysPerCall?: number;
  log?: (line: string) => void;
  /** Transactions on a service's key rows (leases, outcome reports) this process runs at once. @default 4 */
  keyRowConcurrency?: number;
  /** Counts calls, their outcomes and latency, and waits for a key. */
  metrics?: BoltMetrics;
}

const WAIT_STEP_MS = 1000; // polling step while waiting for a key
/**
 * Longest delay handed to Temporal for one wait: the next attempt leases again, so a key added, enabled or
 * re-limited meanwhile serves within a minute, even while the pool waits for a per-day quota's midnight.
 */
const MAX_RETRY_DELAY_MS = 60_000;
/** Wait when the service has no active key at all (an operator must add or enable one). */
const NO_KEY_DELAY_MS = 60_000;

const OUTCOME_LABELS: Readonly<Record<string, ProviderCallOutcome>> = { quota: 'quota', invalid: 'invalid_key', success: 'refused' };
/** The `outcome` label of a provider call that threw `err`. */
const outcomeLabel = (err: unknown): ProviderCallOutcome => OUTCOME_LABELS[outcomeOf(err)?.kind ?? ''] ?? 'failure';

/** A lease whose call went out: when it was handed to the SDK, when its body left the socket, when it answered. */
type SentLease = Lease & { sentAt?: Date; bodySentAt?: Date; endedAt?: Date };

/** When the call's request body left, if Node's fetch or http module said so. */
const bodySentOf = (mark: SendMark): Date | undefined => (mark.bodySentAt === undefined ? undefined : new Date(mark.bodySentAt));

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** One call's wait for a key: when the call started, the job's "waiting for quota" mark, and since when it waits. */
interface CallWait {
  started: number;
  /** The job's quota_waits row, when the call serves a job. */
  row?: { jobId: string; batchId: string; service: KeyService };
  /** Until when the row says the job waits; undefined while the job is not marked as waiting. */
  markedUntil?: number | null;
  /** When the current wait for a key began, for the wait metric. */
  since?: number;
  /** Why the job's mark says it waits. */
  reason?: WaitReason;
}

/** Leases keys for provider calls; one per worker process, shared by its activities. */
export class KeyPool {
  private readonly clients: KeyClients;
  private readonly policy: BreakerPolicy;
  readonly gemini: KeyedProvider<GeminiScriptWriter>;
  readonly tts: KeyedProvider<TextToSpeechClient>;
  private readonly modelQuotas: Readonly<Record<string, number>>;
  /**
   * Per service: transactions on quota rows (a lease's locks, outcome reports, a model's restamp or rest), a few at a
   * time by the batch's priority, not dozens of slots' queued on one row lock in no order, each holding a connection;
   * and this process's lease asks, leased in groups (a burst of calls costs a few transactions, not one each).
   */
  private readonly keyRows: Record<KeyService, { gate: PriorityGate; leases: LeaseGroups }>;

  constructor(private readonly o: KeyPoolOptions) {
    this.clients = new KeyClients(o);
    this.policy = o.policy ?? DEFAULT_BREAKER_POLICY;
    const rows = (service: KeyService, gate = new PriorityGate(o.keyRowConcurrency ?? 4)) => ({
      gate,
      leases: new LeaseGroups(({ priorityKey, ...ask }) => leaseKeys(o.db, service, { ...ask, policy: this.policy, turn: (t) => gate.run(priorityKey, t) })),
    });
    this.keyRows = { gemini: rows('gemini'), tts: rows('tts') };
    this.modelQuotas = o.modelQuotas ?? Object.fromEntries(Object.entries(shippedCatalog().prices.geminiTts?.models ?? {}).map(([m, q]) => [m, q.requestsPerMinute]));
    this.gemini = { run: (ctx, call) => this.run('gemini', ctx, (c) => call(c as GeminiScriptWriter)), probe: (id) => this.probe('gemini', id) };
    this.tts = { run: (ctx, call) => this.run('tts', ctx, (c) => call(c as TextToSpeechClient)), probe: (id) => this.probe('tts', id) };
  }

  /**
   * Runs `call` with a leased key of `service`. Quota and invalid-key answers move the call to
   * another key; when no key can serve, it waits (heartbeating) and, past the attempt's waiting
   * budget, throws a retryable `quota_exhausted` failure whose next retry is the earliest reopen.
   */
  async run<T>(service: KeyService, ctx: CallContext, call: (client: KeyClient['client']) => Promise<T>): Promise<T> {
    const maxKeys = this.o.maxKeysPerCall ?? 5;
    const wait: CallWait = { started: Date.now(), row: ctx.jobId && ctx.batchId ? { jobId: ctx.jobId, batchId: ctx.batchId, service } : undefined };
    const rpm = ctx.model ? this.modelQuotas[ctx.model] : undefined;
    let tried = 0;
    try {
      for (;;) {
        // Before the call: a PostgreSQL restart here only delays it.
        const lease = await untilPostgres(() => this.keyRows[service].leases.lease(Math.max(1, ctx.cost ?? 1), ctx.model && rpm ? { name: ctx.model, rpm } : undefined));
        if (!('keyId' in lease)) {
          await this.waitForKey(service, ctx, wait, lease);
          continue;
        }
        await this.endWait(service, wait);
        tried++;
        const done = await this.callOnKey(service, ctx, lease, call, rpm, tried < maxKeys);
        if (done) return done.result;
      }
    } finally {
      if (wait.row && wait.markedUntil !== undefined) await clearWaiting(this.o.db, wait.row.jobId, service).catch(() => undefined);
      if (wait.since !== undefined) this.o.metrics?.keyWaitSeconds.observe({ provider: service }, (Date.now() - wait.since) / 1000);
    }
  }

  /** Runs a transaction on `service`'s key rows in its turn (see {@link keyRows}). */
  private onKeyRows<T>(service: KeyService, transaction: () => Promise<T>): Promise<T> {
    return this.keyRows[service].gate.run(activityPriorityKey(), transaction);
  }

  /** No key can serve: marks the job as waiting, then sleeps a step, or hands the wait to Temporal when it outlasts the attempt's budget. */
  private async waitForKey(service: KeyService, ctx: CallContext, wait: CallWait, lease: NoLease): Promise<void> {
    if (wait.since === undefined) {
      wait.since = Date.now();
      this.o.metrics?.keyWaits.inc({ provider: service });
    }
    const until = lease.waitUntil?.getTime() ?? null;
    if (wait.row && (wait.markedUntil !== until || wait.reason !== lease.reason)) {
      await markWaiting(this.o.db, { ...wait.row, until: lease.waitUntil, reason: lease.reason });
      wait.markedUntil = until;
      wait.reason = lease.reason;
    }
    const delay = until === null ? NO_KEY_DELAY_MS : Math.max(0, until - Date.now());
    const left = (this.o.maxWaitInAttemptMs ?? 60_000) - (Date.now() - wait.started);
    // The attempt waits out its budget, leasing again every step, so a key added, enabled or re-limited serves
    // within a step; past the budget the wait goes to Temporal, whose retry comes back within a minute.
    if (left <= 0) {
      const when = until === null ? `a ${service} key is added or enabled` : new Date(until).toISOString();
      throw ApplicationFailure.create({
        type: ErrorCode.quotaExhausted,
        message: `${WAIT_REASON_TEXT[lease.reason ?? 'quota']}: no ${service} key can serve until ${when}`,
        nonRetryable: false,
        nextRetryDelay: Math.min(MAX_RETRY_DELAY_MS, Math.max(1000, delay)),
        details: [{ stage: ctx.stage }],
      });
    }
    this.o.heartbeat?.();
    await (this.o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(Math.min(WAIT_STEP_MS, Math.max(50, Math.min(delay, left))));
  }

  /** A key was leased: the job waits no more, and the wait is measured. */
  private async endWait(service: KeyService, wait: CallWait): Promise<void> {
    if (wait.row && wait.markedUntil !== undefined) {
      await clearWaiting(this.o.db, wait.row.jobId, service);
      wait.markedUntil = undefined;
    }
    if (wait.since !== undefined) {
      this.o.metrics?.keyWaitSeconds.observe({ provider: service }, (Date.now() - wait.since) / 1000);
      wait.since = undefined;
    }
  }

  /**
   * Makes the call on a leased key and reports its outcome. Returns the result, or undefined when the call
   * should go on to another key (a quota or invalid-key answer, while `mayTryAnother`); throws otherwise.
   */
  private async callOnKey<T>(
    service: KeyService,
    ctx: CallContext,
    lease: Lease,
    call: (client: KeyClient['client']) => Promise<T>,
    rpm: number | undefined,
    mayTryAnother: boolean,
  ): Promise<{ result: T } | undefined> {
    let entry: KeyClient;
    try {
      entry = await this.clients.get(lease);
    } catch (err) {
      await this.onKeyRows(service, () => reportOutcome(this.o.db, lease, { kind: 'failure' }, messageOf(err), { policy: this.policy }));
      throw err;
    }
    let sent: SentLease = lease;
    const mark: SendMark = { requests: 0 };
    try {
      const attributes = { 'bolt.stage': ctx.stage, 'bolt.key_id': lease.keyId, 'bolt.requests': ctx.cost ?? 1, ...(ctx.model ? { 'bolt.model': ctx.model } : {}), ...(ctx.jobId ? { 'bolt.job_id': ctx.jobId } : {}) };
      // When the request leaves: its quota counts from a bound after this, not after the lease (whose commit and
      // the client's set-up may take seconds on a loaded worker), so the window stays true to the provider's count.
      // Node's fetch and http module also say when the request's body left the socket (`mark`): a tighter bound.
      sent = { ...lease, sentAt: new Date() };
      const result = await observeProviderCall(this.o.metrics, { provider: service, attributes, outcomeOf: outcomeLabel }, () => withSendMark(mark, () => call(entry.client)));
      sent.endedAt = new Date(); // its answer is in: the provider counted the request before this
      sent.bodySentAt = bodySentOf(mark);
      // The call is bought: a PostgreSQL restart while its success is noted must not throw the result away.
      await untilPostgres(() => this.onKeyRows(service, () => reportOutcome(this.o.db, sent, { kind: 'success' }, undefined, { policy: this.policy })), { maxMs: 60_000 }).catch((err: unknown) =>
        this.o.log?.(`${service} key …${lease.last4}: success not recorded (${messageOf(err)})`),
      );
      await this.restampModel(service, ctx, sent);
      return { result };
    } catch (raw) {
      sent.endedAt ??= new Date();
      sent.bodySentAt ??= bodySentOf(mark);
      const err = scrubbedError(raw, entry.secret);
      const outcome = outcomeOf(err);
      if (outcome?.kind === 'quota' && ctx.model && rpm) {
        // A model's own quota (Gemini-TTS): hold that model back, not the key, whose classic voices go on.
        await this.onKeyRows(service, () => restModel(this.o.db, service, { name: ctx.model!, rpm }, lease, new Date(Date.now() + (outcome.retryAfterMs ?? 60_000))));
        if (mayTryAnother) return undefined;
        throw err;
      }
      if (outcome) await this.onKeyRows(service, () => reportOutcome(this.o.db, sent, outcome, messageOf(err), { policy: this.policy }));
      await this.restampModel(service, ctx, sent);
      if (outcome?.kind === 'invalid') this.o.log?.(`${service} key …${lease.last4} (${lease.keyId}) disabled: ${err instanceof Error ? err.message : ''}`);
      if ((outcome?.kind === 'quota' || outcome?.kind === 'invalid') && mayTryAnother) return undefined;
      throw err;
    }
  }

  /** A call of a model with its own quota: its requests count in the model's minute from its send, as a key's do. */
  private async restampModel(service: KeyService, ctx: CallContext, sent: SentLease): Promise<void> {
    if (!ctx.model || !this.modelQuotas[ctx.model]) return;
    await untilPostgres(() => this.onKeyRows(service, () => restampModelRequests(this.o.db, service, ctx.model!, { ...sent, cost: ctx.cost ?? 1 }, sent.endedAt ?? new Date())), { maxMs: 60_000 }).catch((err: unknown) =>
      this.o.log?.(`${service} key …${sent.last4}: ${ctx.model} requests not restamped (${messageOf(err)})`),
    );
  }

  /**
   * Builds the clients of the active keys in the background, so the first calls of a fresh worker do not wait for
   * them between lease and send, holding quota that no request uses: on a two-worker start a TTS key's first
   * client took up to 14 s. A key that cannot be opened is left for its first call, which reports why.
   */
  async warm(): Promise<void> {
    const keys = await listKeys(this.o.db, { status: 'active' }).catch(() => []);
    const leaseOf = (k: (typeof keys)[number]): Lease => ({ keyId: k.id, service: k.service, target: k.target, last4: k.last4, project: k.project, probe: false, leasedAt: new Date() });
    await Promise.all(keys.map((k) => this.clients.get(leaseOf(k)).catch(() => undefined)));
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
    const entry = await this.clients.get(lease);
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
      const err = scrubbedError(raw, entry.secret);
      const message = messageOf(err);
      const outcome = outcomeOf(err) ?? { kind: 'failure' as const };
      await reportOutcome(this.o.db, lease, outcome, message, { policy: this.policy });
      return { ok: outcome.kind === 'success', message, latencyMs: Date.now() - started };
    }
  }
}
