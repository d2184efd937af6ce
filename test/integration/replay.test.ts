// Replay safety: recorded histories of finished batches and jobs must replay against today's workflow
// code. A change that would break running workflows (non-determinism) fails here, in CI.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows, installRuntime } from '../../workers/worker';

const DIR = path.join(__dirname, '..', 'fixtures', 'histories');

describe('replay of recorded histories', function () {
  this.timeout(180_000);

  it('replays every recorded batch and job history without non-determinism', async () => {
    const files = (fs.readdirSync(DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.json')).sort();
    const named = (prefix: string) => files.filter((f) => path.basename(f).startsWith(prefix)).length;
    assert.ok(named('batchWorkflow') >= 2, 'batch histories (several runs) are recorded');
    assert.ok(named('jobWorkflow') >= 4, 'job histories are recorded');
    installRuntime();
    const bundle = await bundleWorkflows();
    async function* histories() {
      for (const f of files) yield { workflowId: f, history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'))) };
    }
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories())) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, files.length);
    assert.deepEqual(failures, []);
  });
});
