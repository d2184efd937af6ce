// Benchmarks: `npm run bench -- <scenario> [options]` prints a table and writes its figures as JSON.
// Each scenario is a module of scripts/bench/ that starts its own stack and simulators; see BENCHMARKS.md.

import { failOnLoopbackViolations, installLoopbackGuard } from '../test/support/loopback-guard';

// Benches and drills send traffic to loopback only: any other connection is refused and fails the run.
installLoopbackGuard();

/** Scenario name → its module (loaded only when asked for). */
const SCENARIOS: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  overhead: () => import('./bench/overhead'),
  counters: () => import('./bench/counters'),
  status: () => import('./bench/status'),
  scale: () => import('./bench/scale'),
  quota: () => import('./bench/quota'),
  headline: () => import('./bench/headline'),
  leases: () => import('./bench/leases'),
};

async function main(): Promise<void> {
  const [scenario, ...rest] = process.argv.slice(2);
  if (!scenario || !Object.hasOwn(SCENARIOS, scenario)) {
    console.error(`bench: unknown scenario ${scenario ? `"${scenario}"` : '(none)'}; scenarios: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }
  await (await SCENARIOS[scenario]!()).run(rest);
  failOnLoopbackViolations(`bench ${scenario}`);
}


main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
