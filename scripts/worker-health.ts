// Container health check of a worker (docker-compose.yml): healthy when Temporal lists a poller of this
// host on each of the worker's task queues, i.e. the worker here is connected and taking tasks.
// Exit codes: 0 healthy, 1 not.
import os from 'node:os';
import { connectClient, resolveTemporalTarget } from '../adapters/temporal-connection';
import { loadConfig } from '../domain/config';
import { taskQueues } from '../workflows/definitions';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const target = resolveTemporalTarget(config.temporal);
  const connection = await connectClient(target);
  try {
    const host = `@${os.hostname()}`;
    const queues = taskQueues(config.temporal.taskQueue);
    // TaskQueueType: 1 = workflow tasks, 2 = activity tasks (temporal.api.enums.v1).
    const kinds = [
      [queues.main, 1],
      [queues.gemini, 2],
      [queues.tts, 2],
      [queues.follow, 2],
    ] as const;
    for (const [name, taskQueueType] of kinds) {
      const r = await connection.workflowService.describeTaskQueue({ namespace: target.namespace, taskQueue: { name }, taskQueueType });
      if (!(r.pollers ?? []).some((p) => p.identity?.endsWith(host))) throw new Error(`no poller of this host on ${name}`);
    }
    console.log('worker healthy: polling every task queue');
  } finally {
    await connection.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`worker unhealthy: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
