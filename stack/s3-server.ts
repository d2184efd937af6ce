// A real S3-compatible server for tests and benchmarks: versitygw (Apache-2.0) over a local folder.
// It verifies SigV4 signatures, so our S3 client is exercised as against AWS.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, spawnServer, goBinDir, goCommand, goInstall, onPath, stopProcess, tail, waitForPort } from './processes';

export const VERSITYGW_MODULE = 'github.com/versity/versitygw/cmd/versitygw@v1.8.0';

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  stop(): Promise<void>;
}

/** Finds versitygw (VERSITYGW_PATH, PATH, the Go bin folder) or builds it with Go. */
export async function findVersitygw(explicit: string | undefined, log: (l: string) => void): Promise<string> {
  if (explicit) return explicit;
  const found = onPath('versitygw');
  if (found) return found;
  const built = path.join(goBinDir() ?? '', 'versitygw');
  if (fs.existsSync(built)) return built;
  if (!goCommand()) throw new Error('versitygw is not installed and Go is not available to build it (see .ci/run)');
  await goInstall(VERSITYGW_MODULE, log);
  return built;
}

export async function startS3Server(o: { dir: string; binary?: string; log: (l: string) => void }): Promise<S3Server> {
  const bin = await findVersitygw(o.binary, o.log);
  fs.mkdirSync(o.dir, { recursive: true });
  const port = await freePort();
  const accessKeyId = `bolt${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const child: ChildProcess = spawnServer(bin, ['--port', `127.0.0.1:${port}`, 'posix', o.dir], {
    // Credentials through the environment, so they never show in a process list.
    env: { ...process.env, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey },
  });
  const lastLines = tail(child);
  let exited: string | undefined;
  child.once('exit', (code) => (exited = `versitygw exited (${code}):\n${lastLines()}`));
  await waitForPort(port, 30_000, '127.0.0.1', () => exited);
  return { endpoint: `http://127.0.0.1:${port}`, accessKeyId, secretAccessKey, region: 'us-east-1', stop: () => stopProcess(child) };
}
