// No batch is stuck: a batch accepted while Temporal is unreachable is never `running` without a
// workflow and starts later on its own (the reconciler); retry-failed works on a finished batch while its
// completion webhook is still being retried to a receiver that never answers.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { call } from '../support/http';
import { appOnStack, eventually, newTestUser, testStack, type TestStack } from '../support/stack';

const titles = (n: number, label: string) => Array.from({ length: n }, (_, i) => `${label} number ${i + 1}`);
const oneLanguage = [{ language: 'en-US', voice: 'en-US-Neural2-C' }];

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('no stuck batch', function () {
  this.timeout(300_000);
  let stack: TestStack;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  describe('Temporal unreachable when the batch is created', () => {
    let dead: { api: TestStack; server: Server; connection: Connection };

    before(async () => {
      // A second API process whose Temporal address is a closed loopback port; same PostgreSQL and storage.
      const connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}` });
      const app = appOnStack(stack, { temporal: new Client({ connection }) });
      const server: Server = await new Promise((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      dead = { api: { ...stack, apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, server, connection };
    });
    after(async () => {
      dead.server.closeAllConnections();
      await new Promise((r) => dead.server.close(r));
      await dead.connection.close().catch(() => undefined);
    });

    it('accepts it as pending_start, never shows it running without a workflow, and starts it later on its own', async () => {
      const user = await newTestUser(stack, 'nostuck');
      const created = await call(dead.api, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(3, 'Started later'), languages: oneLanguage, agent: { targetMinutes: 0.1 } });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.batch.status, 'pending_start');
      const id = created.json.batch.id as string;
      const handle = stack.client.workflow.getHandle(created.json.batch.workflowId);
      const seen = new Set<string>();
      const done = await eventually(
        async () => {
          const b = (await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch;
          seen.add(b.status);
          if (b.status === 'running') {
            // Running means a workflow exists: describe() throws WorkflowNotFoundError otherwise.
            const d = await handle.describe();
            assert.ok(d.runId);
          }
          return b.status === 'completed' ? b : undefined;
        },
        'the pending batch to be started by the reconciler and complete',
        180_000,
        100,
      );
      console.log(`      statuses seen: ${[...seen].join(' → ')}`);
      assert.equal(done.counts.completed, 3);
      // Started once: one run of batch-<id>, found by its id.
      const runs: string[] = [];
      for await (const w of stack.client.workflow.list({ query: `WorkflowId = "${created.json.batch.workflowId}"` })) runs.push(w.runId);
      assert.equal(runs.length, 1);
    });

    it('cancels a batch still pending: its workflow is never started', async () => {
      const user = await newTestUser(stack, 'nostuck-cancel');
      const created = await call(dead.api, user.token, 'POST', '/api/batches', { mode: 'expand_titles', titles: titles(2, 'Cancelled before start'), languages: oneLanguage });
      assert.equal(created.json.batch.status, 'pending_start', created.text);
      const c = await call(dead.api, user.token, 'POST', `/api/batches/${created.json.batch.id}/cancel`);
      assert.equal(c.status, 202, c.text);
      assert.equal(c.json.batch.status, 'cancelled');
      assert.equal(c.json.batch.counts.cancelled, 2);
      // Two reconciler rounds later, still no workflow.
      await new Promise((r) => setTimeout(r, 11_000));
      await assert.rejects(stack.client.workflow.getHandle(created.json.batch.workflowId).describe(), WorkflowNotFoundError);
      assert.equal((await call(stack, user.token, 'GET', `/api/batches/${created.json.batch.id}`)).json.batch.status, 'cancelled');
    });
  });

  it('retries failed jobs of a finished batch while its webhook is still retried to a silent receiver', async () => {
    // Accepts connections and never answers.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
    try {
      const user = await newTestUser(stack, 'silenthook');
      const created = await call(stack, user.token, 'POST', '/api/batches', {
        mode: 'expand_titles',
        titles: titles(2, 'Silent receiver'),
        languages: oneLanguage,
        agent: { targetMinutes: 0.1 },
        webhook: { url, secret: 'a-secret-of-sixteen-chars' },
      });
      assert.equal(created.status, 201, created.text);
      const id = created.json.batch.id as string;
      await eventually(async () => (await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch.status === 'completed', 'the batch to complete', 120_000);
      // Its delivery times out and is retried: the delivery workflow runs on after the batch workflow closed.
      await eventually(async () => (await call(stack, user.token, 'GET', `/api/batches/${id}/webhooks`)).json.deliveries.some((d: { ok: boolean }) => !d.ok), 'a failed delivery attempt', 120_000);
      const hooks = async () => {
        const found: Array<{ workflowId: string; status: string }> = [];
        for await (const w of stack.client.workflow.list({ query: `WorkflowId STARTS_WITH "webhook-${id}"` })) found.push({ workflowId: w.workflowId, status: w.status.name });
        return found;
      };
      const first = await eventually(async () => ((h) => (h.length === 1 && h[0]!.status === 'RUNNING' ? h[0] : undefined))(await hooks()), 'the delivery workflow to be running', 60_000);
      assert.equal((await stack.client.workflow.getHandle(created.json.batch.workflowId).describe()).status.name, 'COMPLETED', 'the batch workflow is not held open by the webhook');

      // Mark one job failed, as a provider failure would have (row and counters together).
      const victim = (await call(stack, user.token, 'GET', `/api/batches/${id}/jobs?pageSize=1`)).json.jobs[0];
      await stack.db.transaction().execute(async (trx) => {
        await trx.updateTable('jobs').set({ status: 'failed', error_stage: 'synthesis', error_code: 'provider_unavailable', error_message: 'injected by the test' }).where('id', '=', victim.id).execute();
        await trx.updateTable('batches').set((eb) => ({ completed: eb('completed', '-', 1), failed: eb('failed', '+', 1) })).where('id', '=', id).execute();
      });
      const r = await call(stack, user.token, 'POST', `/api/batches/${id}/retry-failed`);
      assert.equal(r.status, 202, r.text);
      const again = await eventually(async () => {
        const j = (await call(stack, user.token, 'GET', `/api/jobs/${victim.id}`)).json.job;
        return j.status === 'completed' && j.attempts === 2 ? j : undefined;
      }, 'the failed job to run again and complete', 120_000);
      assert.equal(again.error, null);
      const after = await eventually(async () => ((b) => (b.status === 'completed' && b.counts.failed === 0 ? b : undefined))((await call(stack, user.token, 'GET', `/api/batches/${id}`)).json.batch), 'the batch to finish again', 120_000);
      assert.equal(after.counts.completed, 2);
      const still = (await stack.client.workflow.getHandle(first.workflowId).describe()).status.name;
      assert.equal(still, 'RUNNING', 'the first delivery was still being retried all along');
    } finally {
      for await (const w of stack.client.workflow.list({ query: `WorkflowId STARTS_WITH "webhook-" AND ExecutionStatus = "Running"` })) {
        await stack.client.workflow.getHandle(w.workflowId, w.runId).terminate('test over').catch(() => undefined);
      }
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
