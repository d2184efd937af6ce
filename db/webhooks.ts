// The webhook delivery log: one row per attempt, so users can see what was sent, when, and what came back.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, WebhookDelivery } from './schema';

export async function recordDelivery(
  db: Kysely<Database>,
  d: { batchId: string; deliveryId: string; url: string; event: string; attempt: number; statusCode: number | null; ok: boolean; error: string | null; durationMs: number },
): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({
      id: randomUUID(),
      batch_id: d.batchId,
      delivery_id: d.deliveryId,
      url: d.url,
      event: d.event,
      attempt: d.attempt,
      status_code: d.statusCode,
      ok: d.ok,
      error: d.error,
      duration_ms: d.durationMs,
    })
    .execute();
}

/** Attempts for one batch, oldest first. */
export async function listDeliveries(db: Kysely<Database>, batchId: string): Promise<WebhookDelivery[]> {
  return db.selectFrom('webhook_deliveries').selectAll().where('batch_id', '=', batchId).orderBy('created_at').orderBy('attempt').execute();
}
