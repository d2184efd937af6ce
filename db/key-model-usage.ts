// Minute logs of models with their own per-project quota (Gemini-TTS), counted apart from the classic quotas of keys and projects.
import type { Kysely, Transaction } from 'kysely';
import { countRequests, MODEL_RPM_WINDOW_MS, recentRequests, restampCall, type SentCall, type Usage } from '../domain/quota';
import type { Database, KeyService } from './schema';

/** A model's own per-minute quota, per project (a key without a project is its own project). */
export interface ModelQuota {
  name: string;
  rpm: number;
}

/** Whose minute the model quota counts: the key's project, or the key itself when it has none. */
export const modelOwner = (k: { id: string; project: string | null }) => (k.project === null ? `key:${k.id}` : `project:${k.project}`);
export const modelUsage = (m: ModelQuota, log: number[] | undefined): Usage => ({ rpm: m.rpm, rpd: null, minuteLog: log ?? [], windowMs: MODEL_RPM_WINDOW_MS, dayWindow: null, dayCount: 0 });

/** The minute log of `model` per owner. */
export async function modelMinuteLogs(trx: Kysely<Database>, service: KeyService, model: string): Promise<Map<string, number[]>> {
  const rows = await trx.selectFrom('api_key_model_usage').select(['owner', 'minute_log']).where('service', '=', service).where('model', '=', model).execute();
  return new Map(rows.map((r) => [r.owner, r.minute_log]));
}

/** Stores the minute log (JSON) of a model for one owner, creating its row when missing. */
async function writeModelLog(db: Kysely<Database>, service: KeyService, owner: string, model: string, minuteLog: string, now: Date): Promise<void> {
  await db
    .insertInto('api_key_model_usage')
    .values({ service, owner, model, minute_log: minuteLog, updated_at: now })
    .onConflict((oc) => oc.columns(['service', 'owner', 'model']).doUpdateSet({ minute_log: minuteLog, updated_at: now }))
    .execute();
}

/** Counts `cost` requests of a lease in the model's minute log of `owner`. */
export async function countModelRequests(trx: Transaction<Database>, service: KeyService, m: ModelQuota, owner: string, log: number[] | undefined, now: Date, cost: number): Promise<void> {
  await writeModelLog(trx, service, owner, m.name, JSON.stringify(countRequests(modelUsage(m, log), now, cost).minuteLog), now);
}

/**
 * After a call of a model with its own quota: its requests, logged at the lease, move to when the provider has
 * surely counted them (the rule of {@link restampCall}: the call's end, or a bound after its send), so a lease whose
 * client set-up or commit took seconds before the send never lets the next minute's leases overlap its count.
 */
export async function restampModelRequests(
  db: Kysely<Database>,
  service: KeyService,
  model: string,
  lease: { keyId: string; project: string | null } & SentCall,
  end: Date,
): Promise<void> {
  const owner = modelOwner({ id: lease.keyId, project: lease.project });
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('api_key_model_usage').select('minute_log').where('service', '=', service).where('owner', '=', owner).where('model', '=', model).forUpdate().executeTakeFirst();
    if (!row) return;
    await writeModelLog(trx, service, owner, model, JSON.stringify(restampCall(row.minute_log, lease, end)), end);
  });
}

/**
 * After a 429 for a model's own quota, holds that model back for the key's project (or the key) until `until`,
 * without resting the key: its classic-voice requests go on. The log is filled so the window has no room before then.
 */
export async function restModel(db: Kysely<Database>, service: KeyService, m: ModelQuota, lease: { keyId: string; project: string | null }, until: Date): Promise<void> {
  const owner = modelOwner({ id: lease.keyId, project: lease.project });
  const minuteLog = JSON.stringify(Array<number>(Math.max(1, Math.ceil(m.rpm))).fill(until.getTime() - MODEL_RPM_WINDOW_MS));
  await writeModelLog(db, service, owner, m.name, minuteLog, new Date());
}

/** Requests of the last minute per model and owner (`project:<name>` or `key:<id>`), for `keys list` and tests. */
export async function modelUsageNow(db: Kysely<Database>, service: KeyService, now = new Date()): Promise<Array<{ owner: string; model: string; lastMinute: number }>> {
  const rows = await db.selectFrom('api_key_model_usage').select(['owner', 'model', 'minute_log']).where('service', '=', service).execute();
  return rows.map((r) => ({ owner: r.owner, model: r.model, lastMinute: recentRequests({ minuteLog: r.minute_log, windowMs: MODEL_RPM_WINDOW_MS }, now).length }));
}
