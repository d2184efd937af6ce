// `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database of the data directory
// (the running one under `npm start`, else started for the run).
import type { Kysely } from 'kysely';
import { loadConfig } from '../domain/config';
import { openDatabase } from '../stack/database';
import { migrateToLatest } from '../db/migrator';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // While `npm start` runs, its cluster owns the data folder: use it rather than start a second one.
  const { db, close } = await openDatabase(config, (l) => console.log(l));
  try {
    const applied = await migrateToLatest(db as Kysely<unknown>);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the schema is up to date');
  } finally {
    await close();
  }
}

main().catch((err: unknown) => {
  console.error(`migrate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
