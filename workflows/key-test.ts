// An admin's key test: one cheap call on one pooled key, made by a worker of that key's provider (the
// API never holds the master key that opens keys). One attempt: a test reports, it does not retry.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ScriptActivities, SpeechActivities } from '../activities';
import { taskQueues } from './definitions';

export interface KeyTestResult {
  ok: boolean;
  message: string;
  latencyMs: number;
}

export async function keyTestWorkflow(input: { keyId: string; service: 'gemini' | 'tts' }): Promise<KeyTestResult> {
  const queues = taskQueues(workflowInfo().taskQueue);
  const options = { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } } as const;
  if (input.service === 'gemini') return proxyActivities<ScriptActivities>({ ...options, taskQueue: queues.gemini }).testGeminiKey({ keyId: input.keyId });
  return proxyActivities<SpeechActivities>({ ...options, taskQueue: queues.tts }).testTtsKey({ keyId: input.keyId });
}
