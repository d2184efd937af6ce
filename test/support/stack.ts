// One real stack per test run (Temporal dev server, embedded PostgreSQL, versitygw S3, simulators,
// workers, API), started on first use and stopped by the root hook. A failed start fails every test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type ApiDeps, type BoltApp } from '../../api/app';
import type { ApiConfig } from '../../api/http';
import { loadConfig } from '../../domain/config';
import { startS3Server, type S3Server } from '../../stack/s3-server';
import { startStack, type Stack } from '../../stack/stack';
import { recordConnection, testResolver } from './webhook-dns';

export interface TestStack extends Stack {
  s3Server: S3Server;
  bucket: string;
  dataDir: string;
}

let started: Promise<TestStack> | undefined;
let stopFns: Array<() => Promise<void>> = [];

/** Every line the stack logged during the run, printed or not (tests search them for leaked secrets). */
export const stackLogLines: string[] = [];

const quiet = (l: string) => {
  stackLogLines.push(l);
  if (process.env.BOLT_TEST_VERBOSE) console.log(`    [stack] ${l}`);
};

export function testStack(): Promise<TestStack> {
  started ??= (async () => {
    // Under the system temp folder, so the postgres user can reach it when tests run as root.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-test-'));
    fs.chmodSync(dataDir, 0o755);
    const s3Server = await startS3Server({ dir: path.join(dataDir, 's3'), log: quiet });
    stopFns.push(() => s3Server.stop());
    const config = loadConfig({
      BOLT_DATA_DIR: dataDir,
      PORT: '0',
      DATABASE_URL: process.env.DATABASE_URL,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH,
      TEMPORAL_TASK_QUEUE: `bolt-test-${process.pid}`,
      BOLT_ADMIN_EMAIL: TEST_ADMIN.email,
      BOLT_ADMIN_PASSWORD: TEST_ADMIN.password,
      // Receivers of the webhook tests listen on 127.0.0.1; every other private address stays refused.
      BOLT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1:*',
    });
    const bucket = 'bolt-test';
    const stack = await startStack({
      config,
      log: quiet,
      webhookNet: { resolve: testResolver, onConnect: recordConnection },
      s3: {
        bucket,
        endpoint: s3Server.endpoint,
        region: s3Server.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3Server.accessKeyId, secretAccessKey: s3Server.secretAccessKey },
      },
    });
    stopFns.push(() => stack.stop());
    stopFns.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    return { ...stack, s3Server, bucket, dataDir };
  })();
  return started;
}

/** The first admin of the test stack, created at start from BOLT_ADMIN_EMAIL/BOLT_ADMIN_PASSWORD. */
export const TEST_ADMIN = { email: 'admin@bolt.test', password: 'correct horse battery staple' } as const;

/** Logs in through the API and returns the bearer token; throws with the answer when it fails. */
export async function login(stack: TestStack, email: string, password: string): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const body = (await res.json()) as { token?: string };
  if (res.status !== 200 || !body.token) throw new Error(`login as ${email} failed: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

let adminToken: Promise<string> | undefined;
/** A token of the test admin (one login per test run). */
export function testAdminToken(stack: TestStack): Promise<string> {
  adminToken ??= login(stack, TEST_ADMIN.email, TEST_ADMIN.password);
  return adminToken;
}

let userCount = 0;
/** A new member account created through the admin API, logged in: its id, email, password and token. */
export async function newTestUser(stack: TestStack, label = 'user'): Promise<{ id: string; email: string; password: string; token: string }> {
  const email = `${label}-${process.pid}-${++userCount}@bolt.test`;
  const password = `pw-${label}-${userCount}-long-enough`;
  const res = await fetch(`${stack.apiUrl}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await testAdminToken(stack)}` },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { user?: { id: string } };
  if (res.status !== 201 || !body.user) throw new Error(`creating ${email} failed: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.user.id, email, password, token: await login(stack, email, password) };
}

/** Stops whatever was started, in reverse order. */
export async function stopTestStack(): Promise<void> {
  const fns = stopFns.reverse();
  stopFns = [];
  for (const f of fns) await f().catch(() => undefined);
}

/** Polls `fn` until it returns a truthy value or the time runs out (then throws with `what`). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A second API app on the test stack (same database, Temporal, storage and providers), quiet unless told
 * otherwise, with `overrides` for what a test changes: login counters, a webhook guard, a dead Temporal…
 * Its configuration is this process's environment, with the settings in `overrides.config` replaced.
 */
export function appOnStack(stack: TestStack, overrides: Partial<Omit<ApiDeps, 'config'>> & { config?: Partial<ApiConfig> } = {}): BoltApp {
  const config = { ...loadConfig(process.env), ...overrides.config };
  return createApp({ db: stack.db, temporal: stack.client, taskQueue: stack.taskQueue, storage: stack.storage, providers: stack.providers.kind, log: () => undefined, ...overrides, config });
}
