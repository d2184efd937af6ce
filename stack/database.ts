// The database the operator CLIs (`npm run keys`, `users`, `migrate`) work on: the one `npm start` uses,
// reached while the stack runs; a second postmaster on the same data folder would refuse to start.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDb } from '../db/connection';
import type { Database } from '../db/schema';
import type { Config } from '../domain/config';
import { startPostgres } from './postgres';

/** The database `npm start` uses: DATABASE_URL, the embedded cluster already running, or the embedded cluster started here. */
export async function openDatabase(config: Config, log: (line: string) => void = () => undefined): Promise<{ db: Kysely<Database>; close: () => Promise<void> }> {
  const pgDir = path.join(config.dataDir, 'postgres');
  if (!config.databaseUrl) {
    const running = await runningEmbedded(config.dataDir, pgDir);
    if (running) {
      const db = createDb(running, 2);
      return { db, close: () => db.destroy() };
    }
  }
  const server = await startPostgres({ databaseUrl: config.databaseUrl, dataDir: pgDir, log });
  const db = createDb(server.url, 2);
  return {
    db,
    close: async () => {
      await db.destroy();
      await server.stop();
    },
  };
}

/** A URL of the database `npm start` uses (the embedded cluster is started here when it is not running). */
export async function openDatabaseUrl(config: Config, log: (line: string) => void = () => undefined): Promise<{ url: string; close: () => Promise<void> }> {
  if (!config.databaseUrl) {
    const running = await runningEmbedded(config.dataDir, path.join(config.dataDir, 'postgres'));
    if (running) return { url: running, close: async () => undefined };
  }
  const server = await startPostgres({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'postgres'), log });
  return { url: server.url, close: () => server.stop() };
}

/** The URL of the embedded PostgreSQL when `npm start` already runs it (its postmaster.pid names the port). */
async function runningEmbedded(dataDir: string, pgDir: string): Promise<string | undefined> {
  // As root, the cluster may live in /var/tmp (see stack/postgres.ts): look there too.
  const relocated = path.join('/var/tmp', `bolt-postgres-${createHash('sha256').update(path.resolve(pgDir)).digest('hex').slice(0, 12)}`);
  const pidFile = [pgDir, relocated].map((d) => path.join(d, 'postmaster.pid')).find((f) => fs.existsSync(f));
  const passwordFile = path.join(dataDir, 'postgres.password');
  if (!pidFile || !fs.existsSync(passwordFile)) return undefined;
  const port = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[3]);
  if (!Number.isInteger(port) || port <= 0) return undefined;
  const url = `postgres://postgres:${encodeURIComponent(fs.readFileSync(passwordFile, 'utf8').trim())}@127.0.0.1:${port}/bolt`;
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}
