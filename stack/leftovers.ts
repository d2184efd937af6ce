// Servers an earlier `npm start` left running when it died (SIGKILL, OOM): found by the data directory
// they serve (PostgreSQL's postmaster.pid, our temporal.pid), checked by command line, and stopped, so
// the next start needs no manual step. Nothing that is not a server of this data directory is touched.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Whether a process exists (signal 0 checks without signalling; EPERM means it exists as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's argument vector, from /proc or else `ps`; undefined when it cannot be read. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.trim() ? r.stdout.trim().split(/\s+/) : undefined;
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

async function stop(pid: number, first: NodeJS.Signals, last: NodeJS.Signals, ms: number): Promise<void> {
  try {
    process.kill(pid, first);
  } catch {
    return;
  }
  if (await waitForExit(pid, ms)) return;
  try {
    process.kill(pid, last);
  } catch {
    return;
  }
  await waitForExit(pid, 10_000);
}

/** Stops the PostgreSQL that `postmaster.pid` of `pgData` names, if it runs and serves this folder. */
export async function stopLeftoverPostgres(pgData: string, log: (line: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !isAlive(pid)) return;
  const argv = commandLine(pid);
  const dataArg = argv ? argv[argv.indexOf('-D') + 1] : undefined;
  if (!argv || !path.basename(argv[0] ?? '').startsWith('postgres') || !dataArg || path.resolve(dataArg) !== path.resolve(pgData)) return;
  log(`stopping PostgreSQL (pid ${pid}) left running on ${pgData} by an earlier start`);
  // SIGINT is a fast shutdown (clean); SIGQUIT the immediate one, recovered from the WAL at next start.
  await stop(pid, 'SIGINT', 'SIGQUIT', 30_000);
}

/** File recording the dev server a persistent start runs, beside its SQLite file. */
export const temporalPidFile = (dbFile: string) => `${dbFile}.pid`;

/** Stops a Temporal dev server an earlier start left running on `dbFile`, if the pid file names one. */
export async function stopLeftoverTemporal(dbFile: string, log: (line: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(temporalPidFile(dbFile), 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !isAlive(pid)) return;
  const argv = commandLine(pid);
  const dbArg = argv ? argv[argv.indexOf('--db-filename') + 1] : undefined;
  if (!argv || !argv.includes('start-dev') || !dbArg || path.resolve(dbArg) !== path.resolve(dbFile)) return;
  log(`stopping the Temporal dev server (pid ${pid}) left running on ${dbFile} by an earlier start`);
  await stop(pid, 'SIGTERM', 'SIGKILL', 15_000);
}
