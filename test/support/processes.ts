// Bolt IA API and worker processes of their own (TypeScript through tsx, or the compiled build), wired
// to the shared test stack, for tests of what crosses process boundaries: TLS, scale-out, SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stackProcessEnv } from '../../stack/process-env';
import { call } from './http';
import { eventually, TEST_ADMIN, type TestStack } from './stack';
import { loopbackGuardArgs } from './loopback-guard';

export const ROOT = path.join(__dirname, '..', '..');

export interface BoltProcess {
  child: ChildProcess;
  output: () => string;
  /** The API's URL (API processes only). */
  url?: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
}

export interface SpawnOptions {
  kind: 'api' | 'worker';
  taskQueue: string;
  /** Extra or overriding environment. */
  env?: Record<string, string>;
  /** Run the compiled build in this folder (`node dist/...`) instead of the TypeScript sources. */
  builtRoot?: string;
  /** Do not wait for the ready line (a process expected to fail). */
  noWait?: boolean;
}

/** The environment a separate process needs to share the test stack's PostgreSQL, storage and simulators. */
export function stackEnv(stack: TestStack, taskQueue: string): Record<string, string> {
  return stackProcessEnv(stack, taskQueue);
}

export async function spawnBolt(stack: TestStack, o: SpawnOptions): Promise<BoltProcess> {
  const entry = o.kind === 'api' ? ['api', 'main'] : ['workers', 'main'];
  const args = o.builtRoot ? [path.join(o.builtRoot, 'dist', ...entry) + '.js'] : ['--require', require.resolve('tsx/cjs'), ...loopbackGuardArgs(), path.join(ROOT, ...entry) + '.ts'];
  const child = spawn(process.execPath, args, { cwd: o.builtRoot ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...stackEnv(stack, o.taskQueue), ...o.env } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const p: BoltProcess = { child, output: () => out, exited };
  if (o.noWait) return p;
  const ready = o.kind === 'api' ? /listening on :(\d+)/ : /polling /;
  const m = await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${o.kind} exited (${child.exitCode}):\n${out}`);
      return ready.exec(out);
    },
    `the ${o.kind} process to be ready`,
    120_000,
    100,
  );
  if (o.kind === 'api') p.url = `http://127.0.0.1:${m[1]}`;
  return p;
}

/** SIGKILLs whatever is still running (test cleanup). */
export async function killAll(procs: Array<BoltProcess | undefined>): Promise<void> {
  for (const p of procs) {
    if (p && p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
}

/** Logs in as the test admin on an API process and starts a batch there; returns its id. */
export async function launchThroughApi(stack: TestStack, apiUrl: string, body: Record<string, unknown>): Promise<{ batchId: string; token: string }> {
  const on = { ...stack, apiUrl } as TestStack;
  const login = await call(on, undefined, 'POST', '/api/auth/login', { email: TEST_ADMIN.email, password: TEST_ADMIN.password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  const token = (login.json as { token: string }).token;
  const created = await call(on, token, 'POST', '/api/batches', body);
  if (created.status !== 201 && created.status !== 202) throw new Error(`POST /api/batches: ${created.status} ${created.text}`);
  const batchId = (created.json as { batch?: { id: string }; id?: string }).batch?.id ?? (created.json as { id: string }).id;
  return { batchId, token };
}

/** A batch of `titles` × the given languages through the API, with short scripts. */
export function batchBody(titles: number, label: string, languages = [{ language: 'en-US', voice: 'en-US-Neural2-C' }]) {
  const tag = Math.random().toString(36).slice(2, 8);
  return {
    mode: 'matrix',
    titles: Array.from({ length: titles }, (_, i) => `${label} ${tag} title number ${i + 1}`),
    languages,
    agent: { targetMinutes: 0.1 },
  };
}

/** Runs one of the repository's scripts (`scripts/bench.ts`, `scripts/drill.ts`) as a child process, without blocking this one. */
export function runScript(script: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
