// Leases of pooled keys: the least recently used key with room is leased under its own row locks (its project's and its
// own) and its requests counted in the quota windows. The call's outcome is reported in key-reports.ts.
import { sql, type Kysely, type Transaction } from 'kysely';
import { waitReason, type WaitReason } from '../domain/wait-reason';
import { DEFAULT_BREAKER_POLICY, leasableAt, onLease, type BreakerPolicy, type BreakerState } from '../domain/breaker';
import { countRequests, headroomAt, type Usage } from '../domain/quota';
import { countModelRequests, modelMinuteLogs, modelOwner, modelUsage, type ModelQuota } from './key-model-usage';
import { VIEW_COLUMNS, type ApiKeyView } from './keys';
import type { ApiKeyProject, Database, KeyService, KeyTarget } from './schema';

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
  /** Why no key can serve. */
  reason?: WaitReason;
}

export const breakerOf = (k: ApiKeyView): BreakerState => ({ circuit: k.circuit, consecutiveFailures: k.consecutive_failures, openings: k.openings, reopenAt: k.reopen_at });
const usageOf = (k: Pick<ApiKeyView, 'rpm' | 'rpd' | 'minute_log' | 'day_window' | 'day_count'>): Usage =>
  ({ rpm: k.rpm, rpd: k.rpd, minuteLog: k.minute_log, dayWindow: k.day_window, dayCount: k.day_count });
const NO_LIMIT_PROJECT: Usage = { rpm: null, rpd: null, minuteLog: [], dayWindow: null, dayCount: 0 };

/** How soon waiters look again while a key's half-open probe is in flight. */
const PROBE_POLL_MS = 1000;

/**
 * Locks the rows a lease or report of `key` writes, its project's first (the order every writer keeps, so two
 * never wait on each other), and reads them fresh. With `skipLocked`, gives 'locked' instead of waiting when
 * another lease holds one. Leases of other keys and projects go on meanwhile: nothing serialises a service.
 */
export async function lockKeyRows(
  trx: Transaction<Database>,
  key: Pick<ApiKeyView, 'id' | 'service' | 'project'>,
  skipLocked: boolean,
): Promise<{ key?: ApiKeyView; project?: ApiKeyProject } | 'locked'> {
  let project: ApiKeyProject | undefined;
  if (key.project !== null) {
    const q = trx.selectFrom('api_key_projects').selectAll().where('service', '=', key.service).where('project', '=', key.project).forUpdate();
    project = await (skipLocked ? q.skipLocked() : q).executeTakeFirst();
    // A project row exists for every key of a project (addKey): none returned means another lease holds it.
    if (!project && skipLocked && (await trx.selectFrom('api_key_projects').select('project').where('service', '=', key.service).where('project', '=', key.project).executeTakeFirst())) return 'locked';
  }
  const q = trx.selectFrom('api_keys').select(VIEW_COLUMNS).where('id', '=', key.id).forUpdate();
  const row = await (skipLocked ? q.skipLocked() : q).executeTakeFirst();
  if (!row && skipLocked && (await trx.selectFrom('api_keys').select('id').where('id', '=', key.id).executeTakeFirst())) return 'locked';
  return { key: row, project };
}

/** What one lease chooses from: the active keys of a service, their projects, and the model's minute logs. */
interface Candidates {
  keys: ApiKeyView[];
  projects: Map<string, ApiKeyProject>;
  modelLogs: Map<string, number[]>;
}

/** When key `k` can take `cost` more requests (epoch ms): what its breaker and the quotas that apply allow. */
function readyAt(k: ApiKeyView, c: Candidates, now: Date, cost: number, model: ModelQuota | undefined): number {
  const project = k.project === null ? undefined : c.projects.get(k.project);
  // A probe in flight usually answers within seconds: look again soon rather than at its timeout.
  const breakerAt = k.circuit === 'half_open' ? Math.min(leasableAt(breakerOf(k), now).getTime(), now.getTime() + PROBE_POLL_MS) : leasableAt(breakerOf(k), now).getTime();
  // A model with its own quota (Gemini-TTS) is limited by that quota only, apart from the classic voices' limits.
  return model
    ? Math.max(breakerAt, headroomAt(modelUsage(model, c.modelLogs.get(modelOwner(k))), now, cost).getTime())
    : Math.max(breakerAt, headroomAt(usageOf(k), now, cost).getTime(), headroomAt(project ? usageOf(project) : NO_LIMIT_PROJECT, now, cost).getTime());
}

/** The keys ready now, least recently used first; otherwise the earliest time one will be. */
function rankKeys(c: Candidates, now: Date, cost: number, model: ModelQuota | undefined): { ready: ApiKeyView[]; earliest?: Date } {
  const older = (a: ApiKeyView, b: ApiKeyView) => (a.last_used_at?.getTime() ?? -1) - (b.last_used_at?.getTime() ?? -1) || a.id.localeCompare(b.id);
  const ready: ApiKeyView[] = [];
  let earliest: Date | undefined;
  for (const k of c.keys) {
    const at = readyAt(k, c, now, cost, model);
    if (at <= now.getTime()) ready.push(k);
    else if (!earliest || at < earliest.getTime()) earliest = new Date(at);
  }
  return { ready: ready.sort(older), earliest };
}

/** Counts a lease's requests in the key's and its project's windows, and moves the key's breaker. */
async function countKeyRequests(trx: Transaction<Database>, best: ApiKeyView, project: ApiKeyProject | undefined, breaker: BreakerState, now: Date, cost: number): Promise<void> {
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
  if (project) {
    const pc = countRequests(usageOf(project), now, cost);
    await trx
      .updateTable('api_key_projects')
      .set({ minute_log: JSON.stringify(pc.minuteLog), day_window: pc.dayWindow, day_count: pc.dayCount, updated_at: now })
      .where('service', '=', project.service)
      .where('project', '=', project.project)
      .execute();
  }
}

/** Why no active key of the service can serve (read only when none can, so leases pay nothing for it). */
async function whyNoKey(db: Kysely<Database>, service: KeyService): Promise<WaitReason> {
  const keys = await db.selectFrom('api_keys').select(['circuit', 'rest_reason']).where('service', '=', service).where('status', '=', 'active').execute();
  return waitReason(keys.map((k) => ({ circuit: k.circuit, restReason: k.rest_reason })));
}

interface LeaseAsk {
  service: KeyService;
  cost: number;
  model?: ModelQuota;
  policy: BreakerPolicy;
  clock: () => Date;
  turn: <T>(transaction: () => Promise<T>) => Promise<T>; // each locking transaction in the caller's turn (its gate)
}

/** The active keys of a service, their projects and the model's minute logs, read without locks to rank the keys. */
async function readCandidates(db: Kysely<Database>, ask: LeaseAsk): Promise<Candidates> {
  // One after another: a worker's many waiting calls must not each take several of its pool's connections.
  const keys = await db.selectFrom('api_keys').select(VIEW_COLUMNS).where('service', '=', ask.service).where('status', '=', 'active').execute();
  const projects = keys.some((k) => k.project !== null) ? await db.selectFrom('api_key_projects').selectAll().where('service', '=', ask.service).execute() : [];
  const modelLogs = ask.model ? await modelMinuteLogs(db, ask.service, ask.model.name) : new Map<string, number[]>();
  return { keys, projects: new Map(projects.map((p) => [p.project, p])), modelLogs };
}

/** The most requests a call may ask of `k` in one go: its smallest limit (its model's when the model has its own quota). */
function smallestLimit(k: ApiKeyView, project: ApiKeyProject | undefined, model: ModelQuota | undefined): number {
  const limits = model ? [model.rpm] : [k.rpm, k.rpd, project?.rpm ?? null, project?.rpd ?? null];
  return Math.min(...limits.map((l) => l ?? Number.POSITIVE_INFINITY));
}

/**
 * How many of `want` calls of `cost` requests `k` can take now: one at most while its breaker probes, and past the
 * first only as many as its smallest limit holds (a single call bigger than a limit goes alone, on an empty window).
 */
function roomFor(k: ApiKeyView, c: Candidates, now: Date, ask: LeaseAsk, want: number): number {
  const most = k.circuit === 'closed' ? want : 1;
  const limit = smallestLimit(k, k.project === null ? undefined : c.projects.get(k.project), ask.model);
  let n = 0;
  while (n < most && (n === 0 || (n + 1) * ask.cost <= limit) && readyAt(k, c, now, (n + 1) * ask.cost, ask.model) <= now.getTime()) n++;
  return n;
}

/** Leases up to `want` calls on `candidate` if, read again under its locks, it has room: the leases (none: no room), or 'locked'. */
async function tryLease(db: Kysely<Database>, candidate: ApiKeyView, ask: LeaseAsk, skipLocked: boolean, want: number): Promise<Lease[] | 'locked'> {
  const { service, cost, model } = ask;
  return db.transaction().execute(async (trx) => {
    const rows = await lockKeyRows(trx, candidate, skipLocked);
    if (rows === 'locked') return 'locked';
    const { key, project } = rows;
    if (!key || key.status !== 'active') return [];
    // Leased by another call since the ranking read: no longer the least recently used, so try the others first.
    if (skipLocked && key.last_used_at?.getTime() !== candidate.last_used_at?.getTime()) return 'locked';
    const now = ask.clock();
    const modelLogs = model ? await modelMinuteLogs(trx, service, model.name) : new Map<string, number[]>();
    const projects = new Map(project ? [[project.project, project]] : []);
    const n = roomFor(key, { keys: [key], projects, modelLogs }, now, ask, want);
    if (n === 0) return [];
    const breaker = onLease(breakerOf(key), now, ask.policy);
    const lease: Lease = { keyId: key.id, service, target: key.target, last4: key.last4, project: key.project, probe: key.circuit !== 'closed', leasedAt: now };
    if (model) {
      await countModelRequests(trx, service, model, modelOwner(key), modelLogs.get(modelOwner(key)), now, n * cost);
      await trx
        .updateTable('api_keys')
        .set({ circuit: breaker.circuit, reopen_at: breaker.reopenAt, requests_total: sql<number>`requests_total + ${n * cost}`, last_used_at: now, updated_at: now })
        .where('id', '=', key.id)
        .execute();
      return Array.from({ length: n }, () => ({ ...lease }));
    }
    await countKeyRequests(trx, key, project, breaker, now, n * cost);
    return Array.from({ length: n }, () => ({ ...lease, cost }));
  });
}

/** Rounds of ranking and locking before a lease that keeps losing every ready key to others says to look again soon. */
const LEASE_ROUNDS = 3;
const CONTENDED_RETRY_MS = 50;

/** Options of a lease: its calls' cost in requests, a model with its own quota, and each locking transaction's turn. */
type LeaseOptions = { cost?: number; policy?: BreakerPolicy; now?: () => Date; model?: ModelQuota; turn?: LeaseAsk['turn'] };

/**
 * Leases keys of `service` for up to `count` calls of `cost` requests each, least recently used key first, each key
 * only while its breaker allows and it and its project have room, and counts them; `rest` says when the calls left
 * unserved may look again. Atomic across processes without a service-wide lock: the keys are ranked from a read
 * without locks, then each ready one is tried in a transaction that locks its project and key rows (SKIP LOCKED
 * first, so concurrent leases spread over the keys) and checks its room again. A group of calls costs one such
 * transaction per key, not one per call: a burst of waiting calls is served in a few.
 */
export async function leaseKeys(db: Kysely<Database>, service: KeyService, opts: LeaseOptions & { count: number }): Promise<{ leases: Lease[]; rest?: NoLease }> {
  const ask: LeaseAsk = { service, cost: Math.max(1, opts.cost ?? 1), model: opts.model, policy: opts.policy ?? DEFAULT_BREAKER_POLICY, clock: opts.now ?? (() => new Date()), turn: opts.turn ?? ((t) => t()) };
  const want = Math.max(1, opts.count);
  const leases: Lease[] = [];
  for (let round = 0; round < LEASE_ROUNDS; round++) {
    const candidates = await readCandidates(db, ask);
    if (candidates.keys.length === 0) return { leases, rest: { waitUntil: null, reason: 'no_key' } };
    const { ready, earliest } = rankKeys(candidates, ask.clock(), ask.cost, ask.model);
    if (ready.length === 0) return { leases, rest: { waitUntil: earliest ?? null, reason: await whyNoKey(db, service) } };
    // The group is shared out over the ready keys (what one cannot take goes to the next), as calls one by one
    // would go round them: a key that turns out invalid costs one call, not the group.
    const share = (i: number, of: number) => Math.ceil((want - leases.length) / (of - i));
    const busy: ApiKeyView[] = [];
    for (const [i, k] of ready.entries()) {
      const got = await ask.turn(() => tryLease(db, k, ask, true, share(i, ready.length)));
      if (got === 'locked') busy.push(k);
      else leases.push(...got);
      if (leases.length === want) return { leases };
    }
    // Keys another lease held: wait for their locks (a few ms) rather than refuse while they may have room.
    for (const [i, k] of busy.entries()) {
      const got = await ask.turn(() => tryLease(db, k, ask, false, share(i, busy.length)));
      if (got !== 'locked') leases.push(...got);
      if (leases.length === want) return { leases };
    }
  }
  return { leases, rest: { waitUntil: new Date(ask.clock().getTime() + CONTENDED_RETRY_MS) } };
}

/** One call's lease (see {@link leaseKeys}): the lease, or when to look again. */
export async function leaseKey(db: Kysely<Database>, service: KeyService, opts: LeaseOptions = {}): Promise<Lease | NoLease> {
  const { leases, rest } = await leaseKeys(db, service, { ...opts, count: 1 });
  return leases[0] ?? rest!;
}
