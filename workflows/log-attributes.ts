// Workflow interceptor (bundled with the workflows): every workflow log line carries the batch and job
// it is about, read from the workflow's input; Temporal adds workflowId, workflowType and runId itself.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => {
  // One factory call per workflow execution, so these ids belong to this execution only.
  const ids: { batchId?: string; jobId?: string } = {};
  return {
    inbound: [
      {
        execute(input, next) {
          const arg = input.args[0] as { batchId?: unknown; jobId?: unknown } | undefined;
          if (arg && typeof arg === 'object') {
            if (typeof arg.batchId === 'string') ids.batchId = arg.batchId;
            if (typeof arg.jobId === 'string') ids.jobId = arg.jobId;
          }
          return next(input);
        },
      },
    ],
    outbound: [{ getLogAttributes: (attrs, next) => next({ ...ids, ...attrs }) }],
  };
};
