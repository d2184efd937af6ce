// A Bolt IA worker as its own process on the test stack, so a test can SIGKILL it mid-call.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stackEnv } from './processes';
import { eventually, type TestStack } from './stack';
import { loopbackGuardArgs } from './loopback-guard';

const ROOT = path.join(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
}

/** Starts `workers/main.ts` polling `taskQueue` against the stack's services; resolves once it polls. */
export function startWorkerProcess(stack: TestStack, taskQueue: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), ...loopbackGuardArgs(), path.join(ROOT, 'workers', 'main.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The same environment as every other separate process of the test stack (no fixed metrics port).
    env: stackEnv(stack, taskQueue),
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return eventually(async () => {
    if (child.exitCode !== null) throw new Error(`worker exited (${child.exitCode}):\n${out}`);
    return out.includes('polling') ? { child, output: () => out } : undefined;
  }, 'the worker process to poll', 60_000, 100);
}

/** SIGKILLs a worker process and waits until it is gone. */
export async function killWorker(w: WorkerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const gone = new Promise((r) => w.child.once('exit', r));
  w.child.kill(signal);
  await gone;
}
