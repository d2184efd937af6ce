// The next `npm start` stops only servers of its own data directory: a pid file that names any other
// process (a reused pid, another program) leaves that process alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive, stopLeftoverPostgres, stopLeftoverTemporal, temporalPidFile } from '../../stack/leftovers';

describe('leftover servers of an earlier start', () => {
  let dir = '';
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-leftovers-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('leaves alone a process that postmaster.pid or temporal.sqlite.pid names but that is not our server', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(dir, 'postmaster.pid'), `${other.pid}\n${dir}\n0\n5432\n`);
      const dbFile = path.join(dir, 'temporal.sqlite');
      fs.writeFileSync(temporalPidFile(dbFile), String(other.pid));
      const lines: string[] = [];
      await stopLeftoverPostgres(dir, (l) => lines.push(l));
      await stopLeftoverTemporal(dbFile, (l) => lines.push(l));
      assert.equal(isAlive(other.pid!), true);
      assert.deepEqual(lines, []);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('stops a dev server left running on this SQLite file (its command line names the file)', async () => {
    const dbFile = path.join(dir, 'temporal.sqlite');
    // A stand-in with the dev server's arguments: `temporal server start-dev --db-filename <file>`.
    const server = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'server', 'start-dev', '--db-filename', dbFile], { stdio: 'ignore' });
    const exited = new Promise((r) => server.once('exit', r));
    try {
      await new Promise((r) => setTimeout(r, 200));
      fs.writeFileSync(temporalPidFile(dbFile), String(server.pid));
      const lines: string[] = [];
      await stopLeftoverTemporal(dbFile, (l) => lines.push(l));
      await exited;
      assert.equal(isAlive(server.pid!), false);
      assert.match(lines.join('\n'), /stopping the Temporal dev server \(pid \d+\) left running/);
    } finally {
      server.kill('SIGKILL');
    }
  });
});
