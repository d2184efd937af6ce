// API-key pool rows: adding sealed keys, listing them masked, finding, enabling, disabling and removing them.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { lastFour, masterKeyId, sealSecret, secretLookup, type MasterKey } from '../domain/crypto';
import type { ApiKey, ApiKeyProject, Database, KeyService, KeyTarget, NewApiKey } from './schema';

/** A key row without its sealed secret: what lists, tests and the API may see. */
export type ApiKeyView = Omit<ApiKey, 'secret' | 'lookup_hash' | 'rest_reason'>;

/** Columns of a key that never include key material. */
export const VIEW_COLUMNS = [
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

/** The row of a new key: the key sealed under `master`, bound to a fresh id. */
function sealedKeyRow(master: MasterKey, input: AddKeyInput, lookup: string): NewApiKey {
  const id = randomUUID();
  return {
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
  };
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
    const key = await trx.insertInto('api_keys').values(sealedKeyRow(master, input, lookup)).returning(VIEW_COLUMNS).executeTakeFirstOrThrow();
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

/** How many keys of a service are active (not disabled, spent or removed): 0 means no call can be made. */
export async function countActiveKeys(db: Kysely<Database>, service: KeyService): Promise<number> {
  const row = await db.selectFrom('api_keys').select((eb) => eb.fn.countAll<string>().as('n')).where('service', '=', service).where('status', '=', 'active').executeTakeFirstOrThrow();
  return Number(row.n);
}
