// Temporal for the local stack: an existing server (TEMPORAL_ADDRESS), or the `temporal` CLI's dev
// server found or built here, or, as a last resort, the SDK's own download of it.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';
import { stopLeftoverTemporal, temporalPidFile } from './leftovers';
import { freePort, spawnServer, goBinDir, goCommand, goInstall, onPath, stopProcess, tail, waitForPort } from './processes';

/** The CLI release we build: the last one whose go.mod has no `replace` directive. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export interface TemporalServer {
  address: string;
  /** Web UI URL, when this process started a dev server with its UI. */
  uiUrl?: string;
  /** The dev server's own Prometheus metrics (requests by operation, persistence, latencies), when asked for. */
  metricsUrl?: string;
  /** How the server was obtained, for the startup banner. */
  source: string;
  stop(): Promise<void>;
  /** Starts a persisted dev server again on the same file and port after `stop` (restart drills). */
  start?(): Promise<void>;
}

export interface TemporalOptions {
  address?: string;
  cliPath?: string;
  namespace: string;
  /** Persist to this SQLite file; in memory when absent (tests). */
  dbFile?: string;
  port?: number;
  /** Serve the Web UI on this port; no UI when absent. */
  uiPort?: number;
  /** Serve the dev server's Prometheus metrics on this port (`/metrics`); none when absent. */
  metricsPort?: number;
  log: (line: string) => void;
}

/** Finds the `temporal` binary: TEMPORAL_CLI_PATH, PATH, the Go bin folder, else builds it with Go. */
export async function findTemporalCli(cliPath: string | undefined, log: (line: string) => void): Promise<string | undefined> {
  if (cliPath) {
    if (!fs.existsSync(cliPath)) throw new Error(`TEMPORAL_CLI_PATH points to ${cliPath}, which does not exist`);
    return cliPath;
  }
  const found = onPath('temporal');
  if (found) return found;
  const goBin = goBinDir();
  const built = goBin ? path.join(goBin, 'temporal') : undefined;
  if (built && fs.existsSync(built)) return built;
  if (goCommand() && built) {
    await goInstall(TEMPORAL_CLI_MODULE, log);
    if (fs.existsSync(built)) return built;
  }
  return undefined;
}

/**
 * The dynamic config Bolt's Temporal runs with (this development server; docker-compose's server reads the same
 * from deploy/temporal-dynamic-config.yaml). The priority-aware matcher (off by default in 1.29) serves a
 * high-priority batch's tasks first, and a batch's masters ahead of its jobs. Priority holds only within one
 * partition of a task queue: with the default four, tasks spread at random and a lighter partition hands out
 * lower-priority tasks first. The 40 masters of a `quota` bench batch got their first workflow task over
 * 0.4–2.6 s, behind the jobs started after them; with one partition, over 0.4–1.3 s.
 *
 * The CLI's development server turns `system.forceSearchAttributesCacheRefreshOnRead` on (so search attributes
 * created while it runs show at once): every read of the search attributes then goes to its database, the
 * namespace under one global lock. Bolt's are all created with the namespace, before the server takes a request,
 * so the cache (the setting's default, and a production server's) is turned back on: at 2,000 jobs a Bolt job
 * made 21 `GetCurrentClusterMetadata` and 8.5 `GetNamespace` reads of the server's database (BENCHMARKS.md).
 */
export const TEMPORAL_DYNAMIC_CONFIG = {
  'system.forceSearchAttributesCacheRefreshOnRead': false,
  'matching.useNewMatcher': true,
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
} as const;

/** Where a dev server started with `metricsPort` serves its metrics (on the address it listens on, 127.0.0.1). */
const metricsUrl = (o: TemporalOptions): string | undefined => (o.metricsPort ? `http://127.0.0.1:${o.metricsPort}/metrics` : undefined);

/** {@link TEMPORAL_DYNAMIC_CONFIG} as `temporal server start-dev` options. */
export const dynamicConfigArgs = (): string[] => Object.entries(TEMPORAL_DYNAMIC_CONFIG).flatMap(([name, value]) => ['--dynamic-config-value', `${name}=${JSON.stringify(value)}`]);

export async function startTemporal(o: TemporalOptions): Promise<TemporalServer> {
  if (o.address) return { address: o.address, source: `existing server at ${o.address}`, stop: async () => undefined };
  const cli = await findTemporalCli(o.cliPath, o.log);
  if (!cli) return startWithSdkDownload(o);
  if (o.dbFile) await stopLeftoverTemporal(o.dbFile, o.log);
  const port = o.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', o.namespace, '--log-level', 'warn'];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  args.push(...dynamicConfigArgs());
  if (o.dbFile) {
    fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });
    args.push('--db-filename', o.dbFile);
    // Write-ahead logging with normal syncs: each history write no longer waits for a full fsync (a raw
    // Temporal program went from 4.7 to 14.9 jobs/s on a 2-core machine); a crash of the machine (not of
    // the process) may lose the last writes, which a development server can afford.
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  if (o.uiPort) args.push('--ui-port', String(o.uiPort), '--ui-ip', '127.0.0.1');
  else args.push('--headless');
  if (o.metricsPort) args.push('--metrics-port', String(o.metricsPort));
  const pidFile = o.dbFile ? temporalPidFile(o.dbFile) : undefined;
  const launch = async (): Promise<ChildProcess> => {
    const child: ChildProcess = spawnServer(cli, args);
    if (pidFile && child.pid) fs.writeFileSync(pidFile, String(child.pid));
    const lastLines = tail(child);
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `temporal dev server exited (${code ?? signal}) during start:\n${lastLines()}`));
    try {
      await waitForPort(port, 60_000, '127.0.0.1', () => exited);
      if (o.uiPort) await waitForPort(o.uiPort, 30_000, '127.0.0.1', () => exited);
    } catch (err) {
      await stopProcess(child);
      throw err;
    }
    return child;
  };
  let child = await launch();
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: o.uiPort ? `http://localhost:${o.uiPort}` : undefined,
    metricsUrl: metricsUrl(o),
    source: `temporal CLI dev server (${cli})`,
    stop: async () => {
      await stopProcess(child);
      if (pidFile) fs.rmSync(pidFile, { force: true });
    },
    // Only a persisted server can come back with its workflows (restart drills).
    start: o.dbFile
      ? async () => {
          if (child.exitCode === null && child.signalCode === null) return;
          child = await launch();
        }
      : undefined,
  };
}

/** Last resort on a machine with internet but no CLI and no Go: the SDK downloads the dev server. */
async function startWithSdkDownload(o: TemporalOptions): Promise<TemporalServer> {
  o.log('no temporal CLI and no Go found: letting the Temporal SDK download the dev server…');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const port = o.port ?? (await freePort());
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port,
      namespace: o.namespace,
      dbFilename: o.dbFile,
      ui: Boolean(o.uiPort),
      uiPort: o.uiPort,
      searchAttributes: Object.keys(SEARCH_ATTRIBUTES).map((name) => ({ name, type: 'KEYWORD' as const })) as never,
      extraArgs: [...dynamicConfigArgs(), ...(o.metricsPort ? ['--metrics-port', String(o.metricsPort)] : [])],
    },
  });
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: o.uiPort ? `http://localhost:${o.uiPort}` : undefined,
    metricsUrl: metricsUrl(o),
    source: 'temporal dev server downloaded by the SDK',
    stop: () => env.teardown(),
  };
}
