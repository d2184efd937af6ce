// Names shared by the per-(batch, title, variation) master script workflow and the activity that starts it
// (activities may not import workflow code, and the workflows may not import activities' values).

/** Workflow type that writes one master script once, then tells the jobs waiting on it. */
export const MASTER_WORKFLOW_TYPE = 'masterScriptWorkflow';

/** Signal a job sends (with its workflow id) to be told when the master is written. */
export const MASTER_WAITER_SIGNAL = 'masterWaiter';

/** Workflow id of the master script of one (batch, title, variation). */
export const masterWorkflowId = (batchId: string, titleIndex: number, variation: number): string => `master-${batchId}-${titleIndex}-${variation}`;
