// Delivers a finished batch's completion webhook in a workflow of its own, started by the batch workflow
// and left to run when the batch workflow closes: a receiver that never answers is retried for up to a
// day without keeping the batch's workflow open, so retry-failed can start the batch again meanwhile.
import { proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks';

// A receiver that is down gets retries with backoff for up to a day; one that refuses (4xx) gets none.
export const webhooks = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2, nonRetryableErrorTypes: ['WebhookRejected'] },
});

/** Workflow id of the delivery for one closing run of a batch workflow. */
export const webhookWorkflowId = (batchId: string, batchRunId: string): string => `webhook-${batchId}-${batchRunId}`;

export async function batchWebhookWorkflow(input: { batchId: string }): Promise<void> {
  try {
    await webhooks.deliverBatchWebhook({ batchId: input.batchId });
  } catch {
    // Every attempt and its answer is in the webhook delivery log.
  }
}
