// Fault drills: `npm run drill -- <name> [options]` runs a batch, breaks something on purpose, and prints the
// jobs expected, completed, failed, lost, duplicated outputs and repeated paid calls. See BENCHMARKS.md.

import { failOnLoopbackViolations, installLoopbackGuard } from '../test/support/loopback-guard';

// Benches and drills send traffic to loopback only: any other connection is refused and fails the run.
installLoopbackGuard();

/** Drill name → its module (loaded only when asked for). */
const DRILLS: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  'worker-kill': () => import('./drill/worker-kill'),
  'temporal-restart': () => import('./drill/temporal-restart'),
  'postgres-restart': () => import('./drill/postgres-restart'),
  'provider-storm': () => import('./drill/provider-storm'),
};

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || !Object.hasOwn(DRILLS, name)) {
    console.error(`drill: unknown drill ${name ? `"${name}"` : '(none)'}; drills: ${Object.keys(DRILLS).join(', ') || '(none yet)'}`);
    process.exit(2);
  }
  await (await DRILLS[name]!()).run(rest);
  failOnLoopbackViolations(`drill ${name}`);
  // The Temporal runtime's threads would keep the process alive after the stack has stopped.
  process.exit(process.exitCode ?? 0);
}


main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
