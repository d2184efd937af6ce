// Master-key rotation of the pool: every stored key sealed again under the new master key, in one transaction.
import type { Kysely } from 'kysely';
import { masterKeyId, openSecret, sealSecret, secretLookup, type MasterKey } from '../domain/crypto';
import { KeyPoolError } from './keys';
import type { Database } from './schema';

/**
 * Re-encrypts every key from `from` to `to` in one transaction; returns how many keys it sealed again.
 * Keys already sealed under `to` are left alone, so a rotation interrupted after the commit can be run again.
 */
export async function rotateMasterKey(db: Kysely<Database>, from: MasterKey, to: MasterKey): Promise<number> {
  const fromId = masterKeyId(from);
  const toId = masterKeyId(to);
  return db.transaction().execute(async (trx) => {
    // Every key row locked: leases and reports (which lock the rows they write) wait until the keys are sealed again.
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
