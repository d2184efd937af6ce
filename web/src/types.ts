// The API's answers as the page receives them, typed from the API's own view functions (types only: no
// server code reaches the bundle).
import type { batchView, costView, estimateView, jobSummary } from '../../api/batch-views';
import type { progressOf } from '../../domain/progress';
import type { keyView } from '../../api/key-routes';
import type { Json } from './api';

export type BatchSummary = Json<ReturnType<typeof batchView>>;
export type JobSummary = Json<ReturnType<typeof jobSummary>>;
export type KeyView = Json<ReturnType<typeof keyView>>;
export type Counts = BatchSummary['counts'];

export interface LanguageProgress {
  language: string;
  total: number;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  percent: number;
}

export type BatchDetail = BatchSummary & {
  progress: Json<ReturnType<typeof progressOf>>;
  languageProgress: LanguageProgress[];
  cost: Json<ReturnType<typeof costView>>;
  estimate: Json<ReturnType<typeof estimateView>>;
  cacheHits: number;
  /** Jobs whose provider call waits for a key, and why: quota, provider errors, keys resting, or no key. */
  waitingForQuota: { waiting: number; since: string | null; until: string | null; reason: 'quota' | 'provider_errors' | 'keys_resting' | 'no_key' | null };
};

/** The data of a `progress` or `end` event. */
export type ProgressEvent = Json<ReturnType<typeof progressOf>> & { id: string; status: BatchSummary['status']; counts: Counts; at: string };

export interface Link {
  url: string;
  expiresAt: string;
}
export type JobDetail = JobSummary & {
  script: (Link & { text: string }) | null;
  audio: (Link & { bytes: number | null; durationMs: number | null; contentType: string }) | null;
  subtitles: Array<Link & { format: string }>;
  timings: { createdAt: string; startedAt: string | null; finishedAt: string | null; runMs: number | null };
  attemptLog: Array<{ attempt: number; status: string; error: { stage: string | null; code: string; message: string | null } | null; startedAt: string | null; finishedAt: string }>;
};
