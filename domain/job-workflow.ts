// Names shared by the job workflow and the activity that starts it (activities may not import workflow code).

/** Workflow type of one job attempt. */
export const JOB_WORKFLOW_TYPE = 'jobWorkflow';

/** Custom search attributes (all keywords) set on batch and job workflows, registered on the server at start. */
export const SEARCH_ATTRIBUTES = { BatchId: 'Keyword', UserId: 'Keyword', Mode: 'Keyword', Language: 'Keyword' } as const;
