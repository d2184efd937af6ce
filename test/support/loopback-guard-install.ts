// `--require`d by the processes that tests, benches and drills spawn (workers, API, probes): the network rule holds
// in them too, and whatever it refused is printed to stderr as the process exits.
import { installLoopbackGuard, loopbackViolations } from './loopback-guard';

installLoopbackGuard();
process.on('exit', () => {
  const refused = loopbackViolations();
  if (refused.length > 0) process.stderr.write(`network rule: ${refused.length} connection(s) refused in process ${process.pid}:\n${refused.map((r) => `  ${r}`).join('\n')}\n`);
});
