// A throwaway local stack for the benchmarks and the history recorder: its own temporary data folder, no API,
// no log lines, stopped and removed when the work is done.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../domain/config';
import { startStack, type Stack, type StackOptions } from '../../stack/stack';

/**
 * Runs `work` on a stack of its own (`prefix` names the temporary folder, `taskQueue` the queue), then stops
 * the stack and removes the folder. `work` gets the same clean-up, for a stop asked by a signal. `env` adds
 * settings to the configuration (as environment variables would).
 */
export async function withScratchStack(
  o: { prefix: string; taskQueue: string; stack?: Omit<StackOptions, 'config'>; env?: Record<string, string | undefined> },
  work: (stack: Stack, cleanUp: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), o.prefix));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({ BOLT_DATA_DIR: dataDir, PORT: '0', TEMPORAL_TASK_QUEUE: o.taskQueue, ...o.env });
  const stack = await startStack({ config, api: false, log: () => undefined, ...o.stack });
  const cleanUp = async () => {
    try {
      await stack.stop();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    await work(stack, cleanUp);
  } finally {
    await cleanUp();
  }
}
