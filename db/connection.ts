// Opens the Kysely database over a pg pool.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

// bigint counts (COUNT(*), SUM) arrive as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Connects to PostgreSQL. @default poolSize 10 */
export function createDb(connectionString: string, poolSize = 10, log: (line: string) => void = () => undefined): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle connection dropped by a PostgreSQL restart must not crash the process; the next query reconnects.
  pool.on('error', (err) => log(`postgres connection lost: ${err.message}`));
  // So must one checked out at that moment (inside a transaction, between two queries): the pool listens on idle
  // connections only, and an 'error' nobody listens to ends the process. Its query or transaction fails and retries.
  pool.on('connect', (client) => client.on('error', (err) => log(`postgres connection lost while in use: ${err.message}`)));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
