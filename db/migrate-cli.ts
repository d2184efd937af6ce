// `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database of the data directory.
import path from 'node:path';
import type { Kysely } from 'kysely';
import { loadConfig } from '../domain/config';
import { startPostgres } from '../stack/postgres';
import { createDb } from './connection';
import { migrateToLatest } from './migrator';

async function main(): Promise<void> {
  const config = loadConfig();
  const pg = await startPostgres({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'postgres'), log: (l) => console.log(l) });
  const db = createDb(pg.url);
  try {
    const applied = await migrateToLatest(db as Kysely<unknown>);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the schema is up to date');
  } finally {
    await db.destroy();
    await pg.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`migrate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
