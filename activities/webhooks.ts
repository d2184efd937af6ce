// Completion webhooks: POSTs a signed JSON summary of a finished batch to the URL the user gave, logs
// every attempt, and leaves retries to Temporal (a retryable failure for 5xx/429/timeouts, a
// non-retryable one when the receiver refuses with another 4xx or the batch has no webhook to send).
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { getBatch } from '../db/batches';
import type { Batch, Database } from '../db/schema';
import { recordDelivery } from '../db/webhooks';
import { DestinationGuard, DestinationRefusedError } from '../adapters/webhook-net';
import { hmacHex } from '../domain/credentials';
import { masterKeyId, openWithMasterKey, webhookSecretContext, type MasterKey } from '../domain/crypto';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const SIGNATURE_HEADER = 'Bolt-Signature';
/** Header with the delivery id: the same on every attempt, so receivers can drop duplicates. */
export const DELIVERY_HEADER = 'Bolt-Delivery';
export const EVENT_HEADER = 'Bolt-Event';

/** Failure types, for the workflow's retry policy (`nonRetryableErrorTypes`). */
export const WebhookFailure = { rejected: 'WebhookRejected', failed: 'WebhookDeliveryFailed' } as const;

/** The signature header value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, `${timestamp}.${body}`)}`;
}

/** The JSON summary a batch's webhook receives. */
export function webhookPayload(batch: Batch, deliveryId: string, sentAt: Date) {
  return {
    event: `batch.${batch.status}`,
    deliveryId,
    sentAt: sentAt.toISOString(),
    batch: {
      id: batch.id,
      status: batch.status,
      mode: batch.mode,
      counts: { total: batch.total_jobs, queued: batch.queued, running: batch.running, completed: batch.completed, failed: batch.failed, cancelled: batch.cancelled },
      createdAt: batch.created_at,
      finishedAt: batch.finished_at,
      manifest: `/api/batches/${batch.id}/manifest`,
      download: `/api/batches/${batch.id}/download`,
    },
  };
}

export interface WebhookDeps {
  db: Kysely<Database>;
  /** Checks and connects to webhook destinations. @default public addresses only, system DNS */
  webhookGuard?: DestinationGuard;
  /** Master keys that open sealed webhook secrets (the current one and any other of an unfinished rotation). */
  masterKeys?: MasterKey[];
  /** How long a receiver may take to answer. @default 10 s */
  timeoutMs?: number;
  now?: () => Date;
}

function attemptNumber(): { attempt: number; deliveryKey: string } {
  try {
    const info = Context.current().info;
    // One delivery id per workflow run of the activity: every retry of it shares the id.
    return { attempt: info.attempt, deliveryKey: `${info.workflowExecution?.workflowId ?? ""}:${info.activityId}` };
  } catch {
    return { attempt: 1, deliveryKey: randomUUID() };
  }
}

/** The batch's webhook secret in clear: opened with the master key it was sealed to, or a plain one of older batches. */
function webhookSecret(batch: Batch, masterKeys: MasterKey[]): string {
  const hook = batch.options.webhook!;
  if (!hook.sealedSecret) {
    if (hook.secret === undefined) throw ApplicationFailure.nonRetryable('the webhook has no secret', WebhookFailure.rejected);
    return hook.secret;
  }
  const key = masterKeys.find((k) => masterKeyId(k) === hook.keyId);
  // No such key here: a worker without the master key, or one rotated away; retrying elsewhere may help.
  if (!key) throw ApplicationFailure.retryable('the webhook secret is sealed to a master key this worker does not have', WebhookFailure.failed);
  return openWithMasterKey(key, Buffer.from(hook.sealedSecret, 'base64'), webhookSecretContext(batch.user_id, hook.url));
}

export function createWebhookActivities(deps: WebhookDeps) {
  const guard = deps.webhookGuard ?? new DestinationGuard({ policy: { allowPrivate: false, allowHosts: [] } });
  const now = deps.now ?? (() => new Date());
  return {
    /**
     * Sends the batch's completion webhook, if it has one. Resolves when the receiver answered 2xx;
     * throws a retryable ApplicationFailure for 408/429/5xx, network errors and timeouts, and a
     * non-retryable one (type `WebhookRejected`) for other answers.
     */
    async deliverBatchWebhook(input: { batchId: string }): Promise<{ delivered: boolean; skipped?: string; statusCode?: number; attempt: number }> {
      const { attempt, deliveryKey } = attemptNumber();
      const batch = await getBatch(deps.db, input.batchId);
      if (!batch) return { delivered: false, skipped: 'no such batch', attempt };
      const hook = batch.options.webhook;
      if (!hook) return { delivered: false, skipped: 'the batch has no webhook', attempt };
      const secret = webhookSecret(batch, deps.masterKeys ?? []);
      const deliveryId = `${batch.id}:${hmacHex(batch.id, deliveryKey).slice(0, 16)}`;
      const sentAt = now();
      const payload = webhookPayload(batch, deliveryId, sentAt);
      const body = JSON.stringify(payload);
      const timestamp = Math.floor(sentAt.getTime() / 1000);
      const started = Date.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      let refused = false;
      try {
        const res = await guard.post(hook.url, {
          signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'BoltIA-Webhooks/1',
            [EVENT_HEADER]: payload.event,
            [DELIVERY_HEADER]: deliveryId,
            [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, body),
          },
          body,
        });
        statusCode = res.status;
        if (res.status < 200 || res.status >= 300) error = `the receiver answered ${res.status}`;
      } catch (err) {
        refused = err instanceof DestinationRefusedError;
        // A refusal says only that, never what the host resolved to.
        error = refused ? (err as Error).message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      const ok = error === null;
      await recordDelivery(deps.db, { batchId: batch.id, deliveryId, url: hook.url, event: payload.event, attempt, statusCode, ok, error, durationMs: Date.now() - started });
      if (ok) return { delivered: true, statusCode: statusCode!, attempt };
      if (refused) throw ApplicationFailure.nonRetryable(error!, WebhookFailure.rejected);
      const retryable = statusCode === null || statusCode === 408 || statusCode === 429 || statusCode >= 500;
      if (retryable) throw ApplicationFailure.retryable(`webhook delivery failed: ${error}`, WebhookFailure.failed);
      throw ApplicationFailure.nonRetryable(`webhook refused: ${error}`, WebhookFailure.rejected);
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
