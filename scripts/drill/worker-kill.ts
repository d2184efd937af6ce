// The `worker-kill` drill: the batch's only worker runs as its own process (workers/main.ts with the stack's
// environment) and is SIGKILLed three times, at 20 %, 45 % and 70 % of the jobs done; each time it is frozen
// first (SIGSTOP) so the paid calls it had in flight can be counted, then killed, then a new one starts.
// Options: see harness.ts (--titles 100 --languages 5 by default: 500 jobs).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stackProcessEnv } from '../../stack/process-env';
import type { Stack } from '../../stack/stack';
import { runDrill, type DrillContext } from './harness';
import { loopbackGuardArgs } from '../../test/support/loopback-guard';

const ROOT = path.join(__dirname, '..', '..');

/** Starts a worker process; resolves once it polls. */
async function startWorker(stack: Stack): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), ...loopbackGuardArgs(), path.join(ROOT, 'workers', 'main.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: stackProcessEnv(stack) });
  let out = '';
  let ready = false;
  let tail = '';
  // Its lines are kept until it polls (to explain a failed start), then only the last few (to explain a death).
  const keep = (d: Buffer) => {
    if (!ready) out += d.toString();
    tail = (tail + d.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // A worker that dies by itself (not our SIGKILL) would stall the batch unseen: say so, with its last lines.
  child.once('exit', (code, signal) => {
    if (signal !== 'SIGKILL') console.error(`[drill worker-kill] worker process ${child.pid} exited by itself (code ${code}, signal ${signal}); its last output:\n${tail}`);
  });
  const deadline = Date.now() + 120_000;
  while (!/polling /.test(out)) {
    if (child.exitCode !== null) throw new Error(`the worker process exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`the worker process did not poll within 120 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  ready = true;
  out = '';
  return child;
}

async function breakIt(ctx: DrillContext): Promise<number> {
  let worker = await startWorker(ctx.stack);
  ctx.onCleanUp(async () => {
    worker.kill('SIGKILL');
  });
  ctx.note(`worker process ${worker.pid} polling`);
  let kills = 0;
  for (const share of [0.2, 0.45, 0.7]) {
    try {
      await ctx.untilDone(Math.ceil(ctx.jobs * share));
    } catch (err) {
      if (ctx.running()) throw err;
      // A small batch may finish between two looks: the kills made still count (the report shows how many).
      ctx.note(`the batch ended before ${Math.round(share * 100)} % of its jobs were done: ${kills} kills made`);
      return kills;
    }
    worker.kill('SIGSTOP'); // frozen: nothing it started can finish while we count
    const n = await ctx.countInFlight();
    const gone = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGKILL');
    await gone;
    kills++;
    ctx.note(`SIGKILLed worker process ${worker.pid} at ${Math.round(share * 100)} % of the jobs done, with ${n} paid calls in flight`);
    worker = await startWorker(ctx.stack);
    ctx.note(`new worker process ${worker.pid} polling`);
  }
  return kills;
}

export function run(argv: string[]): Promise<void> {
  return runDrill({ name: 'worker-kill', inProcessWorkers: false, breakIt }, argv);
}
