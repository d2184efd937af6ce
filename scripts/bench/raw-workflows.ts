// The raw-engine baseline of `npm run bench -- overhead`: the same shape as a Bolt batch with nothing of
// Bolt in it. A parent starts one child per job through a window; each child runs six no-op activities
// (a Bolt job's stages: claim, master, adaptation, synthesis, store, finish).
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

export interface RawActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<RawActivities>({ startToCloseTimeout: '1 minute' });

export async function rawJob(): Promise<void> {
  for (let i = 0; i < 6; i++) await noop();
}

export async function rawBatch(jobs: number, window: number): Promise<number> {
  const parent = workflowInfo().workflowId;
  let next = 0;
  let done = 0;
  const running = new Set<Promise<void>>();
  while (done < jobs) {
    while (next < jobs && running.size < window) {
      const p: Promise<void> = executeChild(rawJob, { workflowId: `${parent}-${next++}` }).then(() => {
        running.delete(p);
        done++;
      });
      running.add(p);
    }
    await Promise.race(running);
  }
  return done;
}
