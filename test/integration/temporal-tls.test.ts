// Temporal over TLS: a worker (settings from TEMPORAL_TLS_* variables) and the API (settings from a
// Temporal config profile, @temporalio/envconfig) reach the dev server only through a mutual-TLS proxy
// and run a batch; a client that trusts the wrong CA is refused with a clear error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { countRows, waitForBatch } from '../support/batches';
import { batchBody, killAll, launchThroughApi, spawnBolt, type BoltProcess } from '../support/processes';
import { testStack, type TestStack } from '../support/stack';
import { makePki, startTlsProxy, type TestPki, type TlsProxy } from '../support/tls';

describe('Temporal over TLS', function () {
  this.timeout(600_000);
  let stack: TestStack;
  let pki: TestPki;
  let proxy: TlsProxy;
  const procs: BoltProcess[] = [];
  const taskQueue = `tls-${process.pid}`;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    pki = makePki();
    const [host, port] = stack.temporal.address.split(':');
    proxy = await startTlsProxy(pki, { host: host!, port: Number(port) });
  });

  after(async () => {
    await killAll(procs);
    await proxy?.close();
    if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  const tlsEnv = (ca: string) => ({
    TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}`,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
    TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
    TEMPORAL_TLS_SERVER_NAME: pki.serverName,
  });

  it('runs a batch with a worker and the API connected over mutual TLS', async () => {
    const worker = await spawnBolt(stack, { kind: 'worker', taskQueue, env: tlsEnv(pki.ca) });
    procs.push(worker);
    assert.match(worker.output(), /mTLS, server name temporal\.bolt\.test/);
    // The API reads the same settings from a profile of Temporal's config file, as the `temporal` CLI would.
    const toml = path.join(pki.dir, 'temporal.toml');
    fs.writeFileSync(
      toml,
      [
        '[profile.bolt-tls]',
        `address = "127.0.0.1:${proxy.port}"`,
        `namespace = "${stack.config.temporal.namespace}"`,
        '[profile.bolt-tls.tls]',
        `server_name = "${pki.serverName}"`,
        `server_ca_cert_path = "${pki.ca}"`,
        `client_cert_path = "${pki.clientCert}"`,
        `client_key_path = "${pki.clientKey}"`,
        '',
      ].join('\n'),
    );
    const api = await spawnBolt(stack, { kind: 'api', taskQueue, env: { TEMPORAL_ADDRESS: '', TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'bolt-tls' } });
    procs.push(api);
    assert.match(api.output(), new RegExp(`127\\.0\\.0\\.1:${proxy.port} namespace \\S+ \\(mTLS, server name`));
    const acceptedBefore = proxy.stats.accepted;
    assert.ok(acceptedBefore >= 2, `worker and API each opened a TLS session (${acceptedBefore})`);

    const { batchId } = await launchThroughApi(stack, api.url!, batchBody(4, 'TLS batch'));
    const done = await waitForBatch(stack, batchId, ['completed', 'failed', 'cancelled'], 300_000);
    assert.equal(done.status, 'completed');
    assert.deepEqual(await countRows(stack, batchId), { completed: 4 });
    assert.equal(proxy.stats.refused, 0);
  });

  it('refuses a server whose certificate the configured CA did not sign, with a clear error', async () => {
    const worker = await spawnBolt(stack, { kind: 'worker', taskQueue: `${taskQueue}-wrong`, env: tlsEnv(pki.otherCa), noWait: true });
    procs.push(worker);
    const code = await worker.exited;
    assert.equal(code, 1, worker.output());
    assert.match(worker.output(), /cannot connect to Temporal at 127\.0\.0\.1:\d+ namespace \S+ \(mTLS, server name temporal\.bolt\.test\) — the TLS handshake failed: check TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
    assert.doesNotMatch(worker.output(), /polling/);

    const api = await spawnBolt(stack, { kind: 'api', taskQueue: `${taskQueue}-wrong`, env: tlsEnv(pki.otherCa), noWait: true });
    procs.push(api);
    assert.equal(await api.exited, 1, api.output());
    assert.match(api.output(), /cannot connect to Temporal at 127\.0\.0\.1:\d+ .*TLS/);
    assert.doesNotMatch(api.output(), /listening on/);
  });
});
