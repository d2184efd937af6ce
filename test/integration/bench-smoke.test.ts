// Smoke check of `npm run bench -- overhead`: a short run on its own stack, both server modes, both audio
// settings. It checks that the scenario runs and reports figures that add up (every job of every run completed,
// each ratio the quotient of its two rates); it asserts nothing about speed (BENCHMARKS.md reports that).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runScript } from '../support/processes';

interface Engine {
  requestsPerJob: number;
  persistencePerJob: number;
  requests: Array<{ operation: string; perJob: number }>;
}

interface Result {
  mode: string;
  audio: string;
  jobs: number;
  bolt: { completed: number; failed: number; jobsPerSecond: number; seconds: number; cpuByProcess: Record<string, number>; engine: Engine };
  raw: { completed: number; jobsPerSecond: number; seconds: number; cpuByProcess: Record<string, number>; engine: Engine };
  ratio: number;
}

describe('benchmark smoke check', function () {
  this.timeout(600_000);

  const bench = (args: string[]) => runScript('scripts/bench.ts', args);

  it('overhead: a 3 × 2 batch, with the default audio and the cheapest, and its raw-engine baseline complete in memory and persisted, and each ratio is theirs', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-bench-smoke-'));
    try {
      const run = await bench(['overhead', '--titles', '3', '--languages', '2', '--window', '4', '--audio', 'mp3,wav', '--out', out]);
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /\| mode \| audio \| jobs \| Bolt s \|/);
      const files = fs.readdirSync(out).filter((f) => f.startsWith('overhead-') && f.endsWith('.json'));
      assert.equal(files.length, 1);
      const report = JSON.parse(fs.readFileSync(path.join(out, files[0]!), 'utf8')) as { results: Result[]; machine: { cores: number } };
      assert.ok(report.machine.cores > 0);
      assert.deepEqual(report.results.map((r) => `${r.mode} ${r.audio}`), ['memory mp3', 'memory wav', 'persisted mp3', 'persisted wav']);
      for (const r of report.results) {
        assert.equal(r.jobs, 6);
        assert.deepEqual([r.bolt.completed, r.bolt.failed, r.raw.completed], [6, 0, 6], JSON.stringify(r));
        assert.ok(r.bolt.seconds > 0 && r.raw.seconds > 0);
        assert.ok(Math.abs(r.ratio - r.bolt.jobsPerSecond / r.raw.jobsPerSecond) < 1e-9);
        // CPU by process (Linux's /proc): the dev server worked in both runs, PostgreSQL in Bolt's, and the total is their sum.
        for (const c of [r.bolt.cpuByProcess, r.raw.cpuByProcess]) {
          assert.ok(c.temporal! > 0 && c.bench! > 0, JSON.stringify(c));
          assert.ok(Math.abs(c.total! - (c.bench! + c.temporal! + c.postgres! + c.other!)) < 1e-6, JSON.stringify(c));
        }
        assert.ok(r.bolt.cpuByProcess.postgres! > 0, JSON.stringify(r.bolt.cpuByProcess));
        // The dev server's own count: each raw job ran exactly six activities, each completed once; a Bolt job its three
        // (start with the master's ask, adaptation, narration), the master's own and the batch's activities besides.
        const completions = (e: Engine) => e.requests.find((q) => q.operation === 'frontend:RespondActivityTaskCompleted')?.perJob;
        assert.equal(completions(r.raw.engine), 6, JSON.stringify(r.raw.engine.requests));
        assert.ok(completions(r.bolt.engine)! >= 3, JSON.stringify(r.bolt.engine.requests));
        for (const e of [r.bolt.engine, r.raw.engine]) {
          assert.ok(Math.abs(e.requestsPerJob - e.requests.reduce((s, q) => s + q.perJob, 0)) < 1e-6);
          assert.ok(e.persistencePerJob > 0);
        }
      }
      assert.match(run.stdout, /\| mode \| audio \| run \| this process \| Temporal server \| PostgreSQL \|/);
      assert.match(run.stdout, /\| memory \| wav \| raw \| [\d.]+ \| [\d.]+ \|/);
      assert.match(run.stdout, /\| persisted \| mp3 \| raw \| [\d.]+ \| [\d.]+ \| frontend:/);
      // A scenario the script does not know is refused with a message and exit code 2, and so is an audio it does not know.
      const bad = await bench(['nope']);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /unknown scenario "nope"/);
      const badAudio = await bench(['overhead', '--audio', 'mp3,flac', '--out', out]);
      assert.equal(badAudio.status, 2);
      assert.match(badAudio.stderr, /unknown audio flac/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
