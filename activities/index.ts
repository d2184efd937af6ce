// The activities by task queue: main (bookkeeping, orchestration, webhooks), Gemini (scripts), TTS (speech),
// follow (the batches' looks for ended jobs).
// Workflows import their types from here; ESLint rejects a value import from activities in workflows/.
import { createBookkeepingActivities } from './bookkeeping';
import type { ActivityDeps } from './deps';
import { createJobFollowActivities, createJobStartActivities } from './job-starts';
import { createMasterActivities } from './masters';
import { createOrchestrationActivities } from './orchestration';
import { createScriptActivities } from './scripts';
import { createSpeechActivities } from './speech';
import { createWebhookActivities } from './webhooks';

export type { ActivityDeps } from './deps';
export type { BookkeepingActivities } from './bookkeeping';
export type { JobFollowActivities, JobStartActivities, JobStart } from './job-starts';
export type { MasterActivities } from './masters';
export type { ScriptActivities } from './scripts';
export type { SpeechActivities } from './speech';

/** Each task queue's activities, as the worker of that queue registers them (keys as in `taskQueues`). */
export function activitiesByQueue(deps: ActivityDeps) {
  return {
    main: { ...createBookkeepingActivities(deps), ...createOrchestrationActivities(deps), ...createJobStartActivities(deps), ...createMasterActivities(deps), ...createWebhookActivities(deps) },
    gemini: createScriptActivities(deps),
    tts: createSpeechActivities(deps),
    follow: createJobFollowActivities(deps),
  };
}
