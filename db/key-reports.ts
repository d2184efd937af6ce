// Reports of calls made with leased keys (key-leases.ts): the outcome moves the key's breaker (disables a rejected key, rests
// a project on a 429), and the call's requests are restamped in the minute windows to when the provider surely counted them.
import type { Kysely, Transaction } from 'kysely';
import { restReasonOf } from '../domain/wait-reason';
import { DEFAULT_BREAKER_POLICY, onOutcome, onProjectQuota, sharedFailure, type BreakerPolicy, type CallOutcome } from '../domain/breaker';
import { restampCall } from '../domain/quota';
import { breakerOf, lockKeyRows, type Lease } from './key-leases';
import { VIEW_COLUMNS, type ApiKeyView } from './keys';
import type { Database } from './schema';

/**
 * What a report needs of its lease: the key and, to restamp the minute logs, when it was leased, sent (to the SDK, and
 * its body to the socket) and answered
 * (`endedAt`, taken as the call returned: the report's clock, after its turn at the key rows, reads later) and its cost.
 */
type ReportedLease = Pick<Lease, 'keyId' | 'service'> & Partial<Pick<Lease, 'leasedAt' | 'cost' | 'project'>> & { sentAt?: Date; bodySentAt?: Date; endedAt?: Date };

/** A lease's minute log entries moved to when the provider has surely counted them (see {@link restampCall}). */
const restamped = (log: readonly number[], l: ReportedLease & { leasedAt: Date }, now: Date): string =>
  JSON.stringify(restampCall(log, l, l.endedAt && l.endedAt < now ? l.endedAt : now));

/** The call's requests count in the project's minute window from its end, when they have surely reached Google. */
async function restampProject(trx: Transaction<Database>, key: ApiKeyView & { project: string }, lease: ReportedLease & { leasedAt: Date }, now: Date): Promise<void> {
  const project = await trx.selectFrom('api_key_projects').select(['rpm', 'minute_log']).where('service', '=', key.service).where('project', '=', key.project).executeTakeFirst();
  if (!project || project.rpm === null) return;
  await trx
    .updateTable('api_key_projects')
    .set({ minute_log: restamped(project.minute_log, lease, now), updated_at: now })
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
  const others = await trx.selectFrom('api_keys').select(['last_error_at', 'circuit', 'rest_reason']).where('service', '=', key.service).where('status', '=', 'active').where('id', '!=', key.id).execute();
  return sharedFailure(others.map((o) => ({ lastErrorAt: o.last_error_at, restingForFailures: o.circuit !== 'closed' && o.rest_reason === 'failures' })), now);
}

/**
 * A success that changes nothing but when the key last succeeded, stored in one statement instead of the locking
 * transaction: the key's breaker is closed and clean (a success leaves it so), and the call has no minute window to
 * restamp (no lease time, or no RPM on the key nor on its project). False when that does not hold: the full report runs.
 * The row lock the update takes, and its conditions read again under it, order it with leases and reports alike.
 */
async function cleanSuccess(db: Kysely<Database>, lease: ReportedLease, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('api_keys')
    .set({ last_success_at: now, updated_at: now })
    .where('id', '=', lease.keyId)
    .where('circuit', '=', 'closed')
    .where('consecutive_failures', '=', 0)
    .where('openings', '=', 0)
    .where('reopen_at', 'is', null)
    .where((eb) =>
      lease.leasedAt
        ? eb.and([
            eb('rpm', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('api_key_projects as p')
                  .select('p.project')
                  .whereRef('p.service', '=', 'api_keys.service')
                  .whereRef('p.project', '=', 'api_keys.project')
                  .where('p.rpm', 'is not', null),
              ),
            ),
          ])
        : eb.lit(true),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
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
  if (outcome.kind === 'success' && (await cleanSuccess(db, lease, (opts.now ?? (() => new Date()))()))) return;
  const project = lease.project !== undefined ? lease.project : (await db.selectFrom('api_keys').select('project').where('id', '=', lease.keyId).executeTakeFirst())?.project;
  if (project === undefined) return; // removed while the call was in flight
  await db.transaction().execute(async (trx) => {
    const rows = await lockKeyRows(trx, { id: lease.keyId, service: lease.service, project }, false);
    const key = rows === 'locked' ? undefined : rows.key;
    if (!key) return; // removed while the call was in flight
    const now = (opts.now ?? (() => new Date()))();
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
        // The call's requests count in the minute window from its end, when they have surely reached Google.
        ...(lease.leasedAt && key.rpm !== null ? { minute_log: restamped(key.minute_log, { ...lease, leasedAt: lease.leasedAt }, now) } : {}),
        updated_at: now,
      })
      .where('id', '=', key.id)
      .execute();
    const inProject = key.project === null ? undefined : { ...key, project: key.project };
    if (lease.leasedAt && inProject) await restampProject(trx, inProject, { ...lease, leasedAt: lease.leasedAt }, now);
    if (t.projectReopenAt && inProject) await restProject(trx, inProject, t.projectReopenAt, now);
  });
}
