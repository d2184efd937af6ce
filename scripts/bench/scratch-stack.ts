// A throwaway local stack for the benchmarks and the history recorder: its own temporary data folder, no API,
// no log lines, stopped and removed when the work is done.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { createDb } from '../../db/connection';
import type { Database } from '../../db/schema';
import { loadConfig } from '../../domain/config';
import { startPostgres } from '../../stack/postgres';
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

/**
 * Runs `work` on a PostgreSQL of its own (embedded in a temporary folder named by `prefix`, or `DATABASE_URL`)
 * with a pool of `connections`, then closes the pool, stops the server and removes the folder.
 */
export async function withScratchDb<T>(prefix: string, connections: number, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dataDir, 0o755);
  const postgres = await startPostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(dataDir, 'postgres'), log: () => undefined });
  const db = createDb(postgres.url, connections);
  try {
    return await work(db);
  } finally {
    await db.destroy();
    await postgres.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
