// Smoke check of `npm run drill -- worker-kill`: a small batch on the drill's own stack, its worker process
// SIGKILLed three times. It asserts correctness only (every job completed, none lost, no output stored
// twice, no more paid calls repeated than were in flight at the kills, three kills made), not speed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runScript } from '../support/processes';

interface Report {
  verdict: { expected: number; completed: number; failed: number; lost: number; duplicated: number; repeated: number };
  inFlight: number;
  breaks: number;
  events: Array<{ at: number; what: string }>;
  passed: boolean;
}

describe('drill smoke check', function () {
  this.timeout(900_000);

  const drill = (args: string[]) => runScript('scripts/drill.ts', args);

  it('worker-kill: a 6 × 2 batch completes through three SIGKILLs of its worker process, nothing lost or stored twice', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-drill-smoke-'));
    try {
      // A window of 2: jobs end a pair at a time, so each kill point (20, 45, 70 % done) is seen before the batch ends.
      const run = await drill(['worker-kill', '--titles', '6', '--languages', '2', '--window', '2', '--out', out]);
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /\| drill \| jobs expected \| completed \| failed \| lost \| duplicated outputs \| repeated paid calls \|/);
      const files = fs.readdirSync(out).filter((f) => f.startsWith('drill-worker-kill-') && f.endsWith('.json'));
      assert.equal(files.length, 1);
      const report = JSON.parse(fs.readFileSync(path.join(out, files[0]!), 'utf8')) as Report;
      const v = report.verdict;
      assert.deepEqual([v.expected, v.completed, v.failed, v.lost, v.duplicated], [12, 12, 0, 0, 0], JSON.stringify(report));
      assert.ok(v.repeated <= report.inFlight, `${v.repeated} repeated paid calls, ${report.inFlight} in flight at the kills`);
      assert.equal(report.breaks, 3);
      assert.equal(report.events.filter((e) => /^SIGKILLed worker process \d+/.test(e.what)).length, 3, JSON.stringify(report.events));
      assert.equal(report.passed, true);
      // A drill the script does not know, or a bad option, is refused with a message and exit code 2.
      const unknown = await drill(['nope']);
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /unknown drill "nope"/);
      const bad = await drill(['worker-kill', '--languages', '1']);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--languages/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
