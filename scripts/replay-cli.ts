// `npm run replay -- <history.json> [more.json …]`: replays exported workflow histories (`temporal
// workflow show -w <id> -o json > history.json`) against the current workflow code, before a deploy.
// Exit codes: 0 every history replays, 1 a history does not (non-determinism or another failure), 2 bad arguments.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { installRuntime, loadWorkflowBundle } from '../workers/worker';
import { createLogger } from '../adapters/logger';

const USAGE = 'usage: npm run replay -- <history.json> [more.json …]   (export one with: temporal workflow show -w <workflow id> -o json > history.json)';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    console.error(USAGE);
    return 2;
  }
  const histories: Array<{ workflowId: string; history: ReturnType<typeof historyFromJSON> }> = [];
  for (const file of argv) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      console.error(`replay: ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${(err as Error).message})`}`);
      return 2;
    }
    try {
      histories.push({ workflowId: path.basename(file), history: historyFromJSON(parsed) });
    } catch (err) {
      console.error(`replay: ${file}: not a workflow history (${err instanceof Error ? err.message : String(err)})`);
      return 2;
    }
  }
  installRuntime({ log: createLogger({ level: 'error', name: 'replay' }) });
  // The same bundle the workers run: the pre-built one in a compiled deployment, else built now.
  const workflowBundle = await loadWorkflowBundle();
  let failed = 0;
  async function* source() {
    yield* histories;
  }
  for await (const result of Worker.runReplayHistories({ workflowBundle }, source())) {
    if (result.error) {
      failed++;
      console.log(`FAIL ${result.workflowId}: ${result.error.message}`);
    } else {
      console.log(`ok   ${result.workflowId}`);
    }
  }
  console.log(failed ? `${failed} of ${histories.length} histories do not replay: the change would break running workflows` : `${histories.length} histories replay against the current code`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`replay: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
