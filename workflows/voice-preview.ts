// A voice preview: one short sample spoken once by a TTS worker and kept in storage. The API starts it
// with a workflow id per voice, so any number of people asking at once cause one paid call.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SpeechActivities } from '../activities';
import { taskQueues } from './definitions';

export async function voicePreviewWorkflow(input: { voice: string; language: string }): Promise<{ key: string; bytes: number }> {
  const speech = proxyActivities<SpeechActivities>({
    taskQueue: taskQueues(workflowInfo().taskQueue).tts,
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['provider_bad_request', 'validation_error'] },
  });
  return speech.synthesizeVoicePreview(input);
}
