// The isolation matrix: user B tries to read, control, download and delete each of user A's resources
// and gets 404 every time; A's resources are untouched afterwards.
import assert from 'node:assert/strict';
import { call, smallBatch } from '../support/http';
import { eventually, newTestUser, testStack, type TestStack } from '../support/stack';

describe('API isolation between users', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let batchId: string;
  let jobId: string;
  let agentId: string;
  let tokenId: string;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    a = await newTestUser(stack, 'owner');
    b = await newTestUser(stack, 'intruder');
    const agent = await call(stack, a.token, 'POST', '/api/agents', { name: 'A agent', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 0.2 });
    agentId = agent.json.agent.id;
    tokenId = (await call(stack, a.token, 'POST', '/api/tokens', { name: 'a-token' })).json.record.id;
    const created = await call(stack, a.token, 'POST', '/api/batches', smallBatch({ agent: undefined, agentId }), { 'Idempotency-Key': 'shared-key-1' });
    assert.equal(created.status, 201, created.text);
    batchId = created.json.batch.id;
    await eventually(async () => (await call(stack, a.token, 'GET', `/api/batches/${batchId}`)).json.batch.status === 'completed', 'A batch to complete', 120_000);
    jobId = (await call(stack, a.token, 'GET', `/api/batches/${batchId}/jobs`)).json.jobs[0].id;
  });

  it("answers 404 to every attempt by B on A's batch, jobs, agent and token", async () => {
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/api/batches/${batchId}`],
      ['GET', `/api/batches/${batchId}/jobs`],
      ['GET', `/api/batches/${batchId}/jobs?status=completed`],
      ['GET', `/api/batches/${batchId}/events`],
      ['GET', `/api/batches/${batchId}/events?jobs=1`],
      ['GET', `/api/batches/${batchId}/matrix`],
      ['GET', `/api/batches/${batchId}/manifest`],
      ['GET', `/api/batches/${batchId}/manifest?format=csv`],
      ['GET', `/api/batches/${batchId}/download`],
      ['GET', `/api/batches/${batchId}/webhooks`],
      ['GET', `/api/jobs/${jobId}`],
      ['GET', `/api/agents/${agentId}`],
      ['GET', `/api/agents/${agentId}/versions`],
      ['GET', `/api/agents/${agentId}/versions/1`],
      ['PUT', `/api/agents/${agentId}`, { name: 'B was here', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1 }],
      ['DELETE', `/api/agents/${agentId}`],
      ['DELETE', `/api/tokens/${tokenId}`],
      ['DELETE', `/api/me/sessions/${(await call(stack, a.token, 'GET', '/api/me/sessions')).json.sessions[0].id}`],
    ];
    // Batch controls join the matrix when the API serves them.
    const doc = (await call(stack, undefined, 'GET', '/api/openapi.json')).json;
    for (const action of ['pause', 'resume', 'cancel', 'retry-failed', 'concurrency']) {
      if (doc.paths[`/api/batches/{id}/${action}`]?.post) attempts.push(['POST', `/api/batches/${batchId}/${action}`, action === 'concurrency' ? { window: 5 } : undefined]);
    }
    if (doc.paths['/api/batches/{id}']?.delete) attempts.push(['DELETE', `/api/batches/${batchId}`]);
    for (const [method, path, body] of attempts) {
      const r = await call(stack, b.token, method, path, body);
      assert.equal(r.status, 404, `${method} ${path} → ${r.status} ${r.text.slice(0, 200)}`);
      assert.equal(r.json.error.code, 'not_found', `${method} ${path}`);
      assert.ok(!r.text.includes(batchId) && !r.text.includes(agentId), 'the answer does not echo the resource');
    }
    // B's lists do not show A's things, and B cannot start a batch with A's agent.
    const list = await call(stack, b.token, 'GET', '/api/batches?pageSize=200');
    assert.ok(!list.text.includes(batchId));
    const agents = await call(stack, b.token, 'GET', '/api/agents?pageSize=200');
    assert.ok(!agents.text.includes(agentId));
    const tokens = await call(stack, b.token, 'GET', '/api/tokens');
    assert.ok(!tokens.text.includes(tokenId));
    const borrowed = await call(stack, b.token, 'POST', '/api/batches', smallBatch({ agent: undefined, agentId }));
    assert.equal(borrowed.status, 400);
    assert.match(borrowed.text, /no such agent/);
    // The same Idempotency-Key belongs to each user separately: B gets a batch of its own.
    const own = await call(stack, b.token, 'POST', '/api/batches', smallBatch(), { 'Idempotency-Key': 'shared-key-1' });
    assert.equal(own.status, 201);
    assert.notEqual(own.json.batch.id, batchId);
  });

  it("leaves A's resources intact", async () => {
    const agent = await call(stack, a.token, 'GET', `/api/agents/${agentId}`);
    assert.equal(agent.status, 200);
    assert.equal(agent.json.agent.name, 'A agent');
    assert.equal(agent.json.agent.version, 1);
    const tokens = await call(stack, a.token, 'GET', '/api/tokens');
    assert.equal(tokens.json.tokens[0].revokedAt, null);
    const batch = await call(stack, a.token, 'GET', `/api/batches/${batchId}`);
    assert.equal(batch.json.batch.status, 'completed');
    assert.equal((await call(stack, a.token, 'GET', `/api/jobs/${jobId}`)).status, 200);
    const download = await fetch(`${stack.apiUrl}/api/batches/${batchId}/download`, { headers: { authorization: `Bearer ${a.token}` } });
    assert.equal(download.status, 200);
    await download.arrayBuffer();
  });
});
