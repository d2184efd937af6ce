// The `webhook_deliveries` table: one attempt to deliver a batch's completion webhook.
import type { Selectable } from 'kysely';
import type { CreatedAt } from './columns';

export interface WebhookDeliveryTable {
  id: string;
  batch_id: string;
  /** Same for every attempt of one delivery, so receivers can de-duplicate. */
  delivery_id: string;
  url: string;
  event: string;
  attempt: number;
  status_code: number | null;
  ok: boolean;
  error: string | null;
  duration_ms: number;
  created_at: CreatedAt;
}

export type WebhookDelivery = Selectable<WebhookDeliveryTable>;
