// `npm run db -- dump <file>` / `restore <file>`: backs up and restores Bolt IA's database (DATABASE_URL,
// else the embedded cluster of the data directory, running or not) with pg_dump/pg_restore of a major
// version at least the server's. Exit codes: 0 done, 1 failed, 2 bad arguments.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../domain/config';
import { openDatabaseUrl } from '../stack/database';
import { onPath } from '../stack/processes';

const USAGE = 'usage: npm run db -- dump <file> | restore <file>';

class UsageError extends Error {}

/** The pg_dump/pg_restore to use: BOLT_PG_TOOLS_DIR's (installed by scripts/install-tools.sh), else PATH's. */
function tool(config: Config, name: 'pg_dump' | 'pg_restore'): string {
  const shipped = path.join(config.pgToolsDir, 'embedded_postgres', 'pginstall', 'bin', name);
  for (const candidate of [shipped, path.join(config.pgToolsDir, name), path.join(config.pgToolsDir, 'bin', name)]) if (fs.existsSync(candidate)) return candidate;
  const found = onPath(name);
  if (!found) throw new Error(`${name} not found: run npm run setup:tools (installs PostgreSQL 18 client tools) or set BOLT_PG_TOOLS_DIR`);
  return found;
}

function majorOf(versionText: string): number {
  return Number(/(\d+)(?:\.\d+)?/.exec(versionText)?.[1] ?? 0);
}

async function main(argv: string[]): Promise<void> {
  const [command, file, ...rest] = argv;
  if ((command !== 'dump' && command !== 'restore') || !file || rest.length > 0) throw new UsageError(USAGE);
  if (command === 'restore' && !fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
  const config = loadConfig(process.env);
  const bin = tool(config, command === 'dump' ? 'pg_dump' : 'pg_restore');
  const { url, close } = await openDatabaseUrl(config);
  try {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const server = await client.query<{ server_version: string }>('show server_version').finally(() => client.end());
    const toolVersion = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (majorOf(toolVersion) < majorOf(server.rows[0]!.server_version)) {
      throw new Error(`${toolVersion} is older than the server (PostgreSQL ${server.rows[0]!.server_version}) and cannot ${command} it: run npm run setup:tools or set BOLT_PG_TOOLS_DIR`);
    }
    // The password goes through the environment, never the command line (ps shows that).
    const u = new URL(url);
    const password = decodeURIComponent(u.password);
    u.password = '';
    const common = ['--dbname', u.toString(), '--no-owner'];
    const args = command === 'dump' ? [...common, '--format=custom', '--file', file] : [...common, '--clean', '--if-exists', '--single-transaction', file];
    const r = spawnSync(bin, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } });
    if (r.status !== 0) throw new Error(`${path.basename(bin)} failed (${r.status ?? r.signal}): ${r.stderr.trim()}`);
    const size = fs.statSync(file).size;
    console.log(`${command === 'dump' ? 'dumped to' : 'restored from'} ${file} (${size} bytes) with ${toolVersion}, server PostgreSQL ${server.rows[0]!.server_version}`);
  } finally {
    await close();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`db: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
