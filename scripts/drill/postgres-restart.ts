// The `postgres-restart` drill: the embedded PostgreSQL is stopped (fast shutdown, which ends every open
// connection) at 40 % of the jobs done, kept down for --down seconds, and started again on the same data
// folder and port. Options: see harness.ts. Needs the embedded server (DATABASE_URL unset).
import { restartDrill } from './restart';

export function run(argv: string[]): Promise<void> {
  return restartDrill({ name: 'postgres-restart', what: 'PostgreSQL (embedded)', server: (ctx) => ctx.stack.postgres }, argv);
}
