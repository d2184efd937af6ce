// Child-process helpers for the local stack: free ports, binaries on PATH, waiting, and clean stops.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when a TCP connection to host:port succeeds, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1', exited?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = exited?.();
    if (why) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => (s.destroy(), resolve(false)));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Full path of an executable found on PATH, if any. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

/** Where `go install` puts binaries: $GOBIN, else $GOPATH/bin, else ~/go/bin. */
export function goBinDir(): string | undefined {
  const go = onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (go) {
    const r = spawnSync(go, ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' });
    if (r.status === 0) {
      const [gobin, gopath] = r.stdout.split('\n');
      if (gobin?.trim()) return gobin.trim();
      if (gopath?.trim()) return path.join(gopath.trim().split(path.delimiter)[0]!, 'bin');
    }
  }
  return path.join(os.homedir(), 'go', 'bin');
}

/** The `go` command, if Go is installed. */
export function goCommand(): string | undefined {
  return onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** Builds a Go command with `go install`, streaming its output to `log`. */
export async function goInstall(pkg: string, log: (line: string) => void): Promise<void> {
  const go = goCommand();
  if (!go) throw new Error('Go is not installed');
  log(`building ${pkg} with go install (a few minutes the first time)…`);
  await run(go, ['install', pkg], { env: { ...process.env, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' } }, log);
}

/** Runs a command to completion; rejects with its output when it fails. */
export function run(cmd: string, args: string[], opts: SpawnOptions = {}, log?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (log) for (const line of d.toString().split('\n')) if (line.trim()) log(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${code}: ${out.slice(-2000)}`))));
  });
}

const owned = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts a long-running server process in its own process group, so a terminal's Ctrl-C reaches only
 * us and we stop servers in order; if this process dies anyway, the exit hook still ends them, and when
 * it dies with no hook run (SIGKILL), a watchdog sends `stopSignal` to the server.
 */
export function spawnServer(cmd: string, args: string[], opts: SpawnOptions = {}, stopSignal: NodeJS.Signals = 'SIGTERM'): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...opts });
  owned.add(child);
  child.once('exit', () => owned.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of owned) c.kill('SIGTERM');
    });
  }
  if (child.pid) watchParent(child.pid, stopSignal);
  return child;
}

/**
 * A shell loop, outside this process, that signals `pid` once this process is gone (SIGKILL leaves no
 * chance to clean up, and the servers run in their own process groups). It ends with the server.
 */
function watchParent(pid: number, signal: NodeJS.Signals): void {
  const sh = onPath('sh');
  if (!sh) return;
  const loop = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -0 ${process.pid} 2>/dev/null || kill -${signal.slice(3)} ${pid} 2>/dev/null`;
  const watchdog = spawn(sh, ['-c', loop], { detached: true, stdio: 'ignore' });
  watchdog.on('error', () => undefined);
  watchdog.unref();
}

/** Sends SIGTERM (then SIGKILL after `graceMs`) and resolves when the process has exited. */
export function stopProcess(child: ChildProcess, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** Keeps the last lines a process printed, to explain a failed start. */
export function tail(child: ChildProcess, keep = 40): () => string {
  const lines: string[] = [];
  const add = (d: Buffer) => {
    for (const l of d.toString().split('\n')) if (l.trim()) lines.push(l);
    if (lines.length > keep) lines.splice(0, lines.length - keep);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => lines.join('\n');
}
