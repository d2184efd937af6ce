// Names shared by the job workflow and the activity that starts it (activities may not import workflow code).

/** Workflow type of one job attempt. */
export const JOB_WORKFLOW_TYPE = 'jobWorkflow';

/** Custom search attributes (all keywords) set on batch and job workflows, registered on the server at start. */
export const SEARCH_ATTRIBUTES = { BatchId: 'Keyword', UserId: 'Keyword', Mode: 'Keyword', Language: 'Keyword' } as const;

/**
 * The priority key of the work that gates a batch's jobs (its own workflow's page reads and job starts, its master
 * scripts): one step ahead of its jobs, so their dozens of tasks do not queue it; still behind a batch of higher priority's jobs.
 */
export const aheadOfJobs = (priorityKey: number): number => Math.max(1, priorityKey - 1);
