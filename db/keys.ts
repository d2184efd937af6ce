// API-key pool rows: adding sealed keys, listing them masked, atomic leases under a per-service lock,
// outcome reports through the breaker rules, master-key rotation, and the jobs waiting for quota.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { DEFAULT_BREAKER_POLICY, leasableAt, onLease, onOutcome, onProjectQuota, type BreakerPolicy, type BreakerState, type CallOutcome } from '../domain/breaker';
import { lastFour, masterKeyId, openSecret, sealSecret, secretLookup, type MasterKey } from '../domain/crypto';
import { countRequests, headroomAt, recentRequests, restampRequests, RPM_WINDOW_MS, type Usage } from '../domain/quota';
import type { ApiKey, ApiKeyProject, Database, KeyService, KeyTarget } from './schema';

/** A key row without its sealed secret: what lists, tests and the API may see. */
export type ApiKeyView = Omit<ApiKey, 'secret' | 'lookup_hash'>;

/** Columns of a key that never include key material. */
const VIEW_COLUMNS = [
  'id', 'service', 'target', 'account_email', 'project', 'label', 'master_key_id', 'last4', 'status', 'disabled_reason', 'disabled_at',
  'circuit', 'consecutive_failures', 'openings', 'reopen_at', 'rpm', 'rpd', 'minute_log', 'day_window', 'day_count',
  'requests_total', 'last_error', 'last_error_at', 'last_used_at', 'last_success_at', 'created_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof ApiKeyView>;

/** Thrown for pool operations that cannot be done (duplicate key, unknown id). */
export class KeyPoolError extends Error {
  override readonly name = 'KeyPoolError';
}

export interface AddKeyInput {
  service: KeyService;
  /** The API key in clear; sealed before it reaches the database. */
  key: string;
  accountEmail: string;
  project?: string | null;
  label?: string | null;
  rpm?: number | null;
  rpd?: number | null;
  target?: KeyTarget;
}

/** Adds a key, sealed under `master`. With `ifMissing`, an existing identical key is returned instead of refused. */
export async function addKey(db: Kysely<Database>, master: MasterKey, input: AddKeyInput, opts: { ifMissing?: boolean } = {}): Promise<{ key: ApiKeyView; created: boolean }> {
  const lookup = secretLookup(master, input.key);
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('api_keys').select(VIEW_COLUMNS).where('service', '=', input.service).where('lookup_hash', '=', lookup).executeTakeFirst();
    if (existing) {
      if (opts.ifMissing) return { key: existing, created: false };
      throw new KeyPoolError(`this ${input.service} key (…${existing.last4}) is already in the pool as ${existing.id}`);
    }
    const id = randomUUID();
    const key = await trx
      .insertInto('api_keys')
      .values({
        id,
        service: input.service,
        target: input.target ?? 'google',
        account_email: input.accountEmail,
        project: input.project ?? null,
        label: input.label ?? null,
        secret: sealSecret(master, input.key, id),
        master_key_id: masterKeyId(master),
        lookup_hash: lookup,
        last4: lastFour(input.key),
        rpm: input.rpm ?? null,
        rpd: input.rpd ?? null,
      })
      .returning(VIEW_COLUMNS)
      .executeTakeFirstOrThrow();
    if (input.project) {
      await trx
        .insertInto('api_key_projects')
        .values({ service: input.service, project: input.project, rpm: null, rpd: null })
        .onConflict((oc) => oc.columns(['service', 'project']).doNothing())
        .execute();
    }
    return { key, created: true };
  });
}

/** Sets (or clears, with null) the limits of a project; creates its row when missing. */
export async function setProjectLimits(db: Kysely<Database>, service: KeyService, project: string, limits: { rpm?: number | null; rpd?: number | null }): Promise<void> {
  const patch = { ...(limits.rpm !== undefined ? { rpm: limits.rpm } : {}), ...(limits.rpd !== undefined ? { rpd: limits.rpd } : {}) };
  await db
    .insertInto('api_key_projects')
    .values({ service, project, rpm: limits.rpm ?? null, rpd: limits.rpd ?? null })
    .onConflict((oc) => oc.columns(['service', 'project']).doUpdateSet({ ...patch, updated_at: new Date() }))
    .execute();
}

/** Keys of the pool, oldest first, without key material. */
export async function listKeys(db: Kysely<Database>, filter: { service?: KeyService; status?: 'active' | 'disabled'; target?: KeyTarget } = {}): Promise<ApiKeyView[]> {
  let q = db.selectFrom('api_keys').select(VIEW_COLUMNS).orderBy('created_at').orderBy('id');
  if (filter.service) q = q.where('service', '=', filter.service);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.target) q = q.where('target', '=', filter.target);
  return q.execute();
}

export async function listProjects(db: Kysely<Database>, service?: KeyService): Promise<ApiKeyProject[]> {
  let q = db.selectFrom('api_key_projects').selectAll().orderBy('service').orderBy('project');
  if (service) q = q.where('service', '=', service);
  return q.execute();
}

/** Finds one key by its id or an unambiguous id prefix (at least 4 characters). */
export async function findKey(db: Kysely<Database>, ref: string): Promise<ApiKeyView> {
  const r = ref.trim().toLowerCase();
  if (!/^[0-9a-f-]{4,36}$/.test(r)) throw new KeyPoolError(`"${ref}" is not a key id (use the id shown by \`keys list\`)`);
  const rows = await db.selectFrom('api_keys').select(VIEW_COLUMNS).where(sql<string>`id::text`, 'like', `${r}%`).limit(2).execute();
  if (rows.length === 0) throw new KeyPoolError(`no key with id ${ref}`);
  if (rows.length > 1) throw new KeyPoolError(`${ref} matches several keys; give more of the id`);
  return rows[0]!;
}

/** Disables a key with a reason, or enables it again with a fresh, closed breaker. */
export async function setKeyStatus(db: Kysely<Database>, id: string, to: { status: 'disabled'; reason: string } | { status: 'active' }): Promise<void> {
  const now = new Date();
  const patch =
    to.status === 'disabled'
      ? { status: 'disabled' as const, disabled_reason: to.reason, disabled_at: now }
      : { status: 'active' as const, disabled_reason: null, disabled_at: null, circuit: 'closed' as const, consecutive_failures: 0, openings: 0, reopen_at: null };
  await db.updateTable('api_keys').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
}

export async function removeKey(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The sealed secret of a key, for the worker that decrypts it. */
export async function sealedSecret(db: Kysely<Database>, id: string): Promise<{ secret: Buffer; masterKeyId: string } | undefined> {
  const row = await db.selectFrom('api_keys').select(['secret', 'master_key_id']).where('id', '=', id).executeTakeFirst();
  return row && { secret: row.secret, masterKeyId: row.master_key_id };
}

/** A leased key: enough to find its client, never the key itself. */
export interface Lease {
  keyId: string;
  service: KeyService;
  target: KeyTarget;
  last4: string;
  project: string | null;
  /** True when this lease is the half-open probe of the key. */
  probe: boolean;
  leasedAt: Date;
  /** Requests this lease counted in the key's (and its project's) minute log. @default 1 */
  cost?: number;
}

/** No key can serve now: the earliest time one is expected back (null when no key is active at all). */
export interface NoLease {
  waitUntil: Date | null;
}

type KeyRow = Omit<ApiKeyView, never>;

const breakerOf = (k: KeyRow): BreakerState => ({ circuit: k.circuit, consecutiveFailures: k.consecutive_failures, openings: k.openings, reopenAt: k.reopen_at });
const usageOf = (k: Pick<KeyRow, 'rpm' | 'rpd' | 'minute_log' | 'day_window' | 'day_count'>): Usage => ({
  rpm: k.rpm,
  rpd: k.rpd,
  minuteLog: k.minute_log,
  dayWindow: k.day_window,
  dayCount: k.day_count,
});
const NO_LIMIT_PROJECT: Usage = { rpm: null, rpd: null, minuteLog: [], dayWindow: null, dayCount: 0 };

/** A model's own per-minute quota, per project (a key without a project is its own project). */
export interface ModelQuota {
  name: string;
  rpm: number;
}

/** Whose minute the model quota counts: the key's project, or the key itself when it has none. */
const modelOwner = (k: Pick<KeyRow, 'id' | 'project'>) => (k.project === null ? `key:${k.id}` : `project:${k.project}`);
const modelUsage = (m: ModelQuota, log: number[] | undefined): Usage => ({ rpm: m.rpm, rpd: null, minuteLog: log ?? [], dayWindow: null, dayCount: 0 });

async function modelMinuteLogs(trx: Transaction<Database>, service: KeyService, model: string): Promise<Map<string, number[]>> {
  const rows = await trx.selectFrom('api_key_model_usage').select(['owner', 'minute_log']).where('service', '=', service).where('model', '=', model).execute();
  return new Map(rows.map((r) => [r.owner, r.minute_log]));
}

async function countModelRequests(trx: Transaction<Database>, service: KeyService, m: ModelQuota, owner: string, log: number[] | undefined, now: Date, cost: number): Promise<void> {
  const minuteLog = JSON.stringify(countRequests(modelUsage(m, log), now, cost).minuteLog);
  await trx
    .insertInto('api_key_model_usage')
    .values({ service, owner, model: m.name, minute_log: minuteLog, updated_at: now })
    .onConflict((oc) => oc.columns(['service', 'owner', 'model']).doUpdateSet({ minute_log: minuteLog, updated_at: now }))
    .execute();
}

/**
 * After a 429 for a model's own quota, holds that model back for the key's project (or the key) until `until`,
 * without resting the key: its classic-voice requests go on. The log is filled so the window has no room before then.
 */
export async function restModel(db: Kysely<Database>, service: KeyService, m: ModelQuota, lease: Pick<Lease, 'keyId' | 'project'>, until: Date): Promise<void> {
  const owner = modelOwner({ id: lease.keyId, project: lease.project });
  const minuteLog = JSON.stringify(Array<number>(Math.max(1, Math.ceil(m.rpm))).fill(until.getTime() - RPM_WINDOW_MS));
  await db
    .insertInto('api_key_model_usage')
    .values({ service, owner, model: m.name, minute_log: minuteLog, updated_at: new Date() })
    .onConflict((oc) => oc.columns(['service', 'owner', 'model']).doUpdateSet({ minute_log: minuteLog, updated_at: new Date() }))
    .execute();
}

/** Requests of the last minute per model and owner (`project:<name>` or `key:<id>`), for `keys list` and tests. */
export async function modelUsageNow(db: Kysely<Database>, service: KeyService, now = new Date()): Promise<Array<{ owner: string; model: string; lastMinute: number }>> {
  const rows = await db.selectFrom('api_key_model_usage').select(['owner', 'model', 'minute_log']).where('service', '=', service).execute();
  return rows.map((r) => ({ owner: r.owner, model: r.model, lastMinute: recentRequests({ minuteLog: r.minute_log }, now).length }));
}

/** How soon waiters look again while a key's half-open probe is in flight. */
const PROBE_POLL_MS = 1000;

/** Serialises pool changes of one service across every worker: leases and reports are a few ms each. */
async function lockService(trx: Transaction<Database>, service: KeyService): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`bolt-key-pool:${service}`}))`.execute(trx);
}

/**
 * Leases the least recently used active key of `service` whose breaker allows a call and whose
 * key and project have room for `cost` more requests, and counts them. Atomic across processes:
 * every lease and report of a service runs under one transaction-scoped advisory lock.
 */
export async function leaseKey(
  db: Kysely<Database>,
  service: KeyService,
  opts: { cost?: number; policy?: BreakerPolicy; now?: () => Date; model?: ModelQuota } = {},
): Promise<Lease | NoLease> {
  const cost = Math.max(1, opts.cost ?? 1);
  const model = opts.model;
  const clock = opts.now ?? (() => new Date());
  return db.transaction().execute(async (trx) => {
    await lockService(trx, service);
    const now = clock();
    const keys = await trx.selectFrom('api_keys').select(VIEW_COLUMNS).where('service', '=', service).where('status', '=', 'active').execute();
    if (keys.length === 0) return { waitUntil: null };
    const projects = new Map((await trx.selectFrom('api_key_projects').selectAll().where('service', '=', service).execute()).map((p) => [p.project, p]));
    const modelLogs = model ? await modelMinuteLogs(trx, service, model.name) : new Map<string, number[]>();
    let best: KeyRow | undefined;
    let earliest: Date | undefined;
    for (const k of keys) {
      const project = k.project === null ? undefined : projects.get(k.project);
      // A probe in flight usually answers within seconds: look again soon rather than at its timeout.
      const breakerAt = k.circuit === 'half_open' ? Math.min(leasableAt(breakerOf(k), now).getTime(), now.getTime() + PROBE_POLL_MS) : leasableAt(breakerOf(k), now).getTime();
      // A model with its own quota (Gemini-TTS) is limited by that quota only, apart from the classic voices' limits.
      const at = model
        ? Math.max(breakerAt, headroomAt(modelUsage(model, modelLogs.get(modelOwner(k))), now, cost).getTime())
        : Math.max(breakerAt, headroomAt(usageOf(k), now, cost).getTime(), headroomAt(project ? usageOf(project) : NO_LIMIT_PROJECT, now, cost).getTime());
      if (at <= now.getTime()) {
        const older = (a: KeyRow, b: KeyRow) => (a.last_used_at?.getTime() ?? -1) - (b.last_used_at?.getTime() ?? -1) || a.id.localeCompare(b.id);
        if (!best || older(k, best) < 0) best = k;
      } else if (!earliest || at < earliest.getTime()) {
        earliest = new Date(at);
      }
    }
    if (!best) return { waitUntil: earliest ?? null };
    const breaker = onLease(breakerOf(best), now, opts.policy ?? DEFAULT_BREAKER_POLICY);
    if (model) {
      await countModelRequests(trx, service, model, modelOwner(best), modelLogs.get(modelOwner(best)), now, cost);
      await trx
        .updateTable('api_keys')
        .set({ circuit: breaker.circuit, reopen_at: breaker.reopenAt, requests_total: sql<number>`requests_total + ${cost}`, last_used_at: now, updated_at: now })
        .where('id', '=', best.id)
        .execute();
      return { keyId: best.id, service, target: best.target, last4: best.last4, project: best.project, probe: best.circuit !== 'closed', leasedAt: now };
    }
    const counts = countRequests(usageOf(best), now, cost);
    await trx
      .updateTable('api_keys')
      .set({
        circuit: breaker.circuit,
        reopen_at: breaker.reopenAt,
        minute_log: JSON.stringify(counts.minuteLog),
        day_window: counts.dayWindow,
        day_count: counts.dayCount,
        requests_total: sql<number>`requests_total + ${cost}`,
        last_used_at: now,
        updated_at: now,
      })
      .where('id', '=', best.id)
      .execute();
    const project = best.project === null ? undefined : projects.get(best.project);
    if (project) {
      const pc = countRequests(usageOf(project), now, cost);
      await trx
        .updateTable('api_key_projects')
        .set({ minute_log: JSON.stringify(pc.minuteLog), day_window: pc.dayWindow, day_count: pc.dayCount, updated_at: now })
        .where('service', '=', service)
        .where('project', '=', project.project)
        .execute();
    }
    return { keyId: best.id, service, target: best.target, last4: best.last4, project: best.project, probe: best.circuit !== 'closed', leasedAt: now, cost };
  });
}

/**
 * Records the outcome of a call made with a leased key: moves its breaker, disables it when Google
 * rejected it, and on a quota 429 rests every key of its project until the quota resets.
 * `message` must already be free of key material.
 */
export async function reportOutcome(
  db: Kysely<Database>,
  lease: Pick<Lease, 'keyId' | 'service'> & Partial<Pick<Lease, 'leasedAt' | 'cost' | 'project'>>,
  outcome: CallOutcome,
  message?: string,
  opts: { policy?: BreakerPolicy; now?: () => Date } = {},
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockService(trx, lease.service);
    const now = (opts.now ?? (() => new Date()))();
    const key = await trx.selectFrom('api_keys').select(VIEW_COLUMNS).where('id', '=', lease.keyId).executeTakeFirst();
    if (!key) return; // removed while the call was in flight
    const t = onOutcome(breakerOf(key), outcome, now, opts.policy ?? DEFAULT_BREAKER_POLICY);
    const error = outcome.kind === 'success' ? {} : { last_error: (message ?? outcome.kind).slice(0, 1000), last_error_at: now };
    await trx
      .updateTable('api_keys')
      .set({
        circuit: t.state.circuit,
        consecutive_failures: t.state.consecutiveFailures,
        openings: t.state.openings,
        reopen_at: t.state.reopenAt,
        ...error,
        ...(outcome.kind === 'success' ? { last_success_at: now } : {}),
        ...(t.disable && key.status === 'active' ? { status: 'disabled' as const, disabled_reason: t.disable.slice(0, 1000), disabled_at: now } : {}),
        // The call's requests count in the minute window from now, when they have surely reached Google.
        ...(lease.leasedAt && key.rpm !== null ? { minute_log: JSON.stringify(restampRequests(key.minute_log, lease.leasedAt.getTime(), now.getTime(), lease.cost ?? 1)) } : {}),
        updated_at: now,
      })
      .where('id', '=', key.id)
      .execute();
    if (lease.leasedAt && key.project !== null) {
      const project = await trx.selectFrom('api_key_projects').select(['rpm', 'minute_log']).where('service', '=', key.service).where('project', '=', key.project).executeTakeFirst();
      if (project && project.rpm !== null) {
        await trx
          .updateTable('api_key_projects')
          .set({ minute_log: JSON.stringify(restampRequests(project.minute_log, lease.leasedAt.getTime(), now.getTime(), lease.cost ?? 1)), updated_at: now })
          .where('service', '=', key.service)
          .where('project', '=', key.project)
          .execute();
      }
    }
    if (t.projectReopenAt && key.project !== null) {
      const siblings = await trx
        .selectFrom('api_keys')
        .select(VIEW_COLUMNS)
        .where('service', '=', key.service)
        .where('project', '=', key.project)
        .where('id', '!=', key.id)
        .where('status', '=', 'active')
        .execute();
      for (const s of siblings) {
        const b = onProjectQuota(breakerOf(s), t.projectReopenAt);
        await trx
          .updateTable('api_keys')
          .set({ circuit: b.circuit, consecutive_failures: b.consecutiveFailures, openings: b.openings, reopen_at: b.reopenAt, updated_at: now })
          .where('id', '=', s.id)
          .execute();
      }
    }
  });
}

/**
 * Re-encrypts every key from `from` to `to` in one transaction; returns how many keys it sealed again.
 * Keys already sealed under `to` are left alone, so a rotation interrupted after the commit can be run again.
 */
export async function rotateMasterKey(db: Kysely<Database>, from: MasterKey, to: MasterKey): Promise<number> {
  const fromId = masterKeyId(from);
  const toId = masterKeyId(to);
  return db.transaction().execute(async (trx) => {
    await lockService(trx, 'gemini');
    await lockService(trx, 'tts');
    const rows = await trx.selectFrom('api_keys').select(['id', 'secret', 'master_key_id']).forUpdate().execute();
    let sealed = 0;
    for (const row of rows) {
      if (row.master_key_id === toId) continue;
      if (row.master_key_id !== fromId) throw new KeyPoolError(`key ${row.id} is sealed under master key ${row.master_key_id}, not the current one (${fromId})`);
      const plaintext = openSecret(from, row.secret, row.id);
      await trx
        .updateTable('api_keys')
        .set({ secret: sealSecret(to, plaintext, row.id), master_key_id: toId, lookup_hash: secretLookup(to, plaintext), updated_at: new Date() })
        .where('id', '=', row.id)
        .execute();
      sealed++;
    }
    return sealed;
  });
}

/** Master-key ids the stored keys are sealed under (normally one). */
export async function sealingMasterKeyIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('api_keys').select('master_key_id').distinct().execute();
  return rows.map((r) => r.master_key_id);
}

/** Records that a job's call is waiting for a key (idempotent; updates the expected end). */
export async function markWaiting(db: Kysely<Database>, w: { jobId: string; batchId: string; service: KeyService; until: Date | null }): Promise<void> {
  await db
    .insertInto('quota_waits')
    .values({ job_id: w.jobId, batch_id: w.batchId, service: w.service, until: w.until })
    .onConflict((oc) => oc.columns(['job_id', 'service']).doUpdateSet({ until: w.until }))
    .execute();
}

export async function clearWaiting(db: Kysely<Database>, jobId: string, service: KeyService): Promise<void> {
  await db.deleteFrom('quota_waits').where('job_id', '=', jobId).where('service', '=', service).execute();
}

/** Whether a batch has jobs waiting for quota, how many, and when the first key is expected back. */
export async function batchQuotaWait(db: Kysely<Database>, batchId: string): Promise<{ waiting: number; since: Date | null; until: Date | null }> {
  const r = await db
    .selectFrom('quota_waits')
    .select((eb) => [eb.fn.countAll<number>().as('waiting'), eb.fn.min('since').as('since'), eb.fn.min('until').as('until')])
    .where('batch_id', '=', batchId)
    .executeTakeFirstOrThrow();
  return { waiting: Number(r.waiting), since: (r.since as Date | null) ?? null, until: (r.until as Date | null) ?? null };
}

/** How many keys of a service are active (not disabled, spent or removed): 0 means no call can be made. */
export async function countActiveKeys(db: Kysely<Database>, service: KeyService): Promise<number> {
  const row = await db.selectFrom('api_keys').select((eb) => eb.fn.countAll<string>().as('n')).where('service', '=', service).where('status', '=', 'active').executeTakeFirstOrThrow();
  return Number(row.n);
}
