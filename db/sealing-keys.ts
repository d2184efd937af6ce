// The published public key webhook secrets are sealed to (see domain/crypto.ts, sealToPublicKey).
import type { Kysely } from 'kysely';
import { sealingKeyPair, type MasterKey } from '../domain/crypto';
import type { Database } from './schema';

/** Publishes the public sealing key of a master key (idempotent; the newest publication wins). */
export async function publishSealingKey(db: Kysely<Database>, master: MasterKey): Promise<void> {
  const { publicKey, keyId } = sealingKeyPair(master);
  await db
    .insertInto('webhook_sealing_keys')
    .values({ key_id: keyId, public_key: publicKey, published_at: new Date() })
    .onConflict((oc) => oc.column('key_id').doUpdateSet({ published_at: new Date() }))
    .execute();
}

/** The most recently published sealing key, or undefined when no worker has published one yet. */
export async function currentSealingKey(db: Kysely<Database>): Promise<{ keyId: string; publicKey: Buffer } | undefined> {
  const row = await db.selectFrom('webhook_sealing_keys').select(['key_id', 'public_key']).orderBy('published_at', 'desc').limit(1).executeTakeFirst();
  return row ? { keyId: row.key_id, publicKey: row.public_key } : undefined;
}
