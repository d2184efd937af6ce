// Names shared by workflows, workers and clients: task queues, search attributes, inputs and outcomes.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Task queues derived from one base name: bookkeeping and workflows, Gemini, TTS. */
export function taskQueues(base: string) {
  return { main: base, gemini: `${base}-gemini`, tts: `${base}-tts` } as const;
}

/** Custom search attributes, registered on the Temporal server at start. */
export const SearchAttr = {
  BatchId: defineSearchAttributeKey('BatchId', SearchAttributeType.KEYWORD),
  UserId: defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD),
  Mode: defineSearchAttributeKey('Mode', SearchAttributeType.KEYWORD),
  Language: defineSearchAttributeKey('Language', SearchAttributeType.KEYWORD),
} as const;

/** Search attribute names and types, for registering them with the dev server. */
export const SEARCH_ATTRIBUTES = { BatchId: 'Keyword', UserId: 'Keyword', Mode: 'Keyword', Language: 'Keyword' } as const;

export interface BatchWorkflowInput {
  batchId: string;
  userId: string;
  mode: string;
  /** Most child jobs running at once. @default 200 */
  window?: number;
  /** Jobs fetched from Postgres per page. @default 100 */
  pageSize?: number;
  /** Jobs started per run before continuing as new, to keep each history small. @default 500 */
  jobsPerRun?: number;
  /** Last seq started by earlier runs (continue-as-new state). */
  cursor?: number;
}

export interface JobWorkflowInput {
  batchId: string;
  jobId: string;
  seq: number;
  usesMasterDirectly: boolean;
}

export interface JobOutcome {
  status: 'completed' | 'failed';
  stage?: string;
  code?: string;
}

export interface BatchOutcome {
  status: string;
  total: number;
  completed: number;
  failed: number;
  cancelled: number;
}
