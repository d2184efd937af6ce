// Leases of pooled keys: the least recently used key with room is leased under a per-service lock, its requests
// counted in the quota windows, and the outcome of the call moves its breaker (and rests its project on a 429).
import { sql, type Kysely, type Transaction } from 'kysely';
import { restReasonOf, waitReason, type WaitReason } from '../domain/wait-reason';
import { DEFAULT_BREAKER_POLICY, leasableAt, onLease, onOutcome, onProjectQuota, sharedFailure, type BreakerPolicy, type BreakerState, type CallOutcome } from '../domain/breaker';
import { countRequests, headroomAt, restampRequests, type Usage } from '../domain/quota';
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

const breakerOf = (k: ApiKeyView): BreakerState => ({ circuit: k.circuit, consecutiveFailures: k.consecutive_failures, openings: k.openings, reopenAt: k.reopen_at });
const usageOf = (k: Pick<ApiKeyView, 'rpm' | 'rpd' | 'minute_log' | 'day_window' | 'day_count'>): Usage => ({
  rpm: k.rpm,
  rpd: k.rpd,
  minuteLog: k.minute_log,
  dayWindow: k.day_window,
  dayCount: k.day_count,
});
const NO_LIMIT_PROJECT: Usage = { rpm: null, rpd: null, minuteLog: [], dayWindow: null, dayCount: 0 };

/** How soon waiters look again while a key's half-open probe is in flight. */
const PROBE_POLL_MS = 1000;

/** Serialises pool changes of one service across every worker: leases and reports are a few ms each. */
export async function lockService(trx: Transaction<Database>, service: KeyService): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`bolt-key-pool:${service}`}))`.execute(trx);
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

/** The least recently used key that is ready now; otherwise the earliest time one will be. */
function pickKey(c: Candidates, now: Date, cost: number, model: ModelQuota | undefined): { best?: ApiKeyView; earliest?: Date } {
  const older = (a: ApiKeyView, b: ApiKeyView) => (a.last_used_at?.getTime() ?? -1) - (b.last_used_at?.getTime() ?? -1) || a.id.localeCompare(b.id);
  let best: ApiKeyView | undefined;
  let earliest: Date | undefined;
  for (const k of c.keys) {
    const at = readyAt(k, c, now, cost, model);
    if (at <= now.getTime()) {
      if (!best || older(k, best) < 0) best = k;
    } else if (!earliest || at < earliest.getTime()) {
      earliest = new Date(at);
    }
  }
  return { best, earliest };
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
async function whyNoKey(trx: Transaction<Database>, service: KeyService): Promise<WaitReason> {
  const keys = await trx.selectFrom('api_keys').select(['circuit', 'rest_reason']).where('service', '=', service).where('status', '=', 'active').execute();
  return waitReason(keys.map((k) => ({ circuit: k.circuit, restReason: k.rest_reason })));
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
    if (keys.length === 0) return { waitUntil: null, reason: 'no_key' };
    const projects = new Map((await trx.selectFrom('api_key_projects').selectAll().where('service', '=', service).execute()).map((p) => [p.project, p]));
    const modelLogs = model ? await modelMinuteLogs(trx, service, model.name) : new Map<string, number[]>();
    const { best, earliest } = pickKey({ keys, projects, modelLogs }, now, cost, model);
    if (!best) return { waitUntil: earliest ?? null, reason: await whyNoKey(trx, service) };
    const breaker = onLease(breakerOf(best), now, opts.policy ?? DEFAULT_BREAKER_POLICY);
    const lease = { keyId: best.id, service, target: best.target, last4: best.last4, project: best.project, probe: best.circuit !== 'closed', leasedAt: now };
    if (model) {
      await countModelRequests(trx, service, model, modelOwner(best), modelLogs.get(modelOwner(best)), now, cost);
      await trx
        .updateTable('api_keys')
        .set({ circuit: breaker.circuit, reopen_at: breaker.reopenAt, requests_total: sql<number>`requests_total + ${cost}`, last_used_at: now, updated_at: now })
        .where('id', '=', best.id)
        .execute();
      return lease;
    }
    await countKeyRequests(trx, best, best.project === null ? undefined : projects.get(best.project), breaker, now, cost);
    return { ...lease, cost };
  });
}

/** What a report needs of its lease: the key and, for restamping the minute logs, when it was leased and for how many requests. */
type ReportedLease = Pick<Lease, 'keyId' | 'service'> & Partial<Pick<Lease, 'leasedAt' | 'cost' | 'project'>>;

/** The call's requests count in the project's minute window from now, when they have surely reached Google. */
async function restampProject(trx: Transaction<Database>, key: ApiKeyView & { project: string }, lease: ReportedLease & { leasedAt: Date }, now: Date): Promise<void> {
  const project = await trx.selectFrom('api_key_projects').select(['rpm', 'minute_log']).where('service', '=', key.service).where('project', '=', key.project).executeTakeFirst();
  if (!project || project.rpm === null) return;
  await trx
    .updateTable('api_key_projects')
    .set({ minute_log: JSON.stringify(restampRequests(project.minute_log, lease.leasedAt.getTime(), now.getTime(), lease.cost ?? 1)), updated_at: now })
    .where('service', '=', key.service)
    .where('project', '=', key.project)
    .execute();
}

/** After a quota 429, rests every other active key of the project until the quota resets. */
async function restProject(trx: Transaction<Database>, key: ApiKeyView & { project: string }, reopenAt: Date, now: Date): Promise<void> {
  const siblings = await trx
    .selectFrom('api_keys')
    .select(VIEW_COLUMNS)
    .where('service', '=', key.service)
    .where('project', '=', key.project)
    .where('id', '!=', key.id)
    .where('status', '=', 'active')
    .execute();
  for (const s of siblings) {
    const b = onProjectQuota(breakerOf(s), reopenAt);
    await trx
      .updateTable('api_keys')
      .set({ circuit: b.circuit, consecutive_failures: b.consecutiveFailures, openings: b.openings, reopen_at: b.reopenAt, rest_reason: 'quota', updated_at: now })
      .where('id', '=', s.id)
      .execute();
  }
}

/** Whether every other active key of the service has failed lately too (the provider's fault, not this key's). */
async function othersFailing(trx: Transaction<Database>, key: ApiKeyView, now: Date): Promise<boolean> {
  const others = await trx.selectFrom('api_keys').select('last_error_at').where('service', '=', key.service).where('status', '=', 'active').where('id', '!=', key.id).execute();
  return sharedFailure(others.map((o) => ({ lastErrorAt: o.last_error_at })), now);
}

/**
 * Records the outcome of a call made with a leased key: moves its breaker, disables it when Google
 * rejected it, and on a quota 429 rests every key of its project until the quota resets.
 * `message` must already be free of key material.
 */
export async function reportOutcome(
  db: Kysely<Database>,
  lease: ReportedLease,
  outcome: CallOutcome,
  message?: string,
  opts: { policy?: BreakerPolicy; now?: () => Date } = {},
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockService(trx, lease.service);
    const now = (opts.now ?? (() => new Date()))();
    const key = await trx.selectFrom('api_keys').select(VIEW_COLUMNS).where('id', '=', lease.keyId).executeTakeFirst();
    if (!key) return; // removed while the call was in flight
    const seen = outcome.kind === 'failure' ? { ...outcome, shared: await othersFailing(trx, key, now) } : outcome;
    const t = onOutcome(breakerOf(key), seen, now, opts.policy ?? DEFAULT_BREAKER_POLICY);
    const error = outcome.kind === 'success' ? {} : { last_error: (message ?? outcome.kind).slice(0, 1000), last_error_at: now };
    await trx
      .updateTable('api_keys')
      .set({
        circuit: t.state.circuit,
        consecutive_failures: t.state.consecutiveFailures,
        openings: t.state.openings,
        reopen_at: t.state.reopenAt,
        // What opened the breaker, so a wait can say why (a quota 429 also moves the rest of an open key).
        ...(t.state.circuit === 'open' && (key.circuit !== 'open' || outcome.kind === 'quota') ? { rest_reason: restReasonOf(outcome) ?? null } : {}),
        ...error,
        ...(outcome.kind === 'success' ? { last_success_at: now } : {}),
        ...(t.disable && key.status === 'active' ? { status: 'disabled' as const, disabled_reason: t.disable.slice(0, 1000), disabled_at: now } : {}),
        // The call's requests count in the minute window from now, when they have surely reached Google.
        ...(lease.leasedAt && key.rpm !== null ? { minute_log: JSON.stringify(restampRequests(key.minute_log, lease.leasedAt.getTime(), now.getTime(), lease.cost ?? 1)) } : {}),
        updated_at: now,
      })
      .where('id', '=', key.id)
      .execute();
    const inProject = key.project === null ? undefined : { ...key, project: key.project };
    if (lease.leasedAt && inProject) await restampProject(trx, inProject, { ...lease, leasedAt: lease.leasedAt }, now);
    if (t.projectReopenAt && inProject) await restProject(trx, inProject, t.projectReopenAt, now);
  });
}
