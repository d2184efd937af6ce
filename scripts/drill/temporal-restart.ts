// The `temporal-restart` drill: the dev server persisted to its SQLite file (as `npm start` runs it) is
// stopped (SIGTERM) at 40 % of the jobs done, kept down for --down seconds, and started again on the same
// file and port; the workers and the client of this process ride it out. Options: see harness.ts.
import { restartDrill } from './restart';

export function run(argv: string[]): Promise<void> {
  return restartDrill({ name: 'temporal-restart', what: 'the Temporal dev server (SQLite file)', persistent: true, server: (ctx) => ctx.stack.temporal }, argv);
}
