// POST /api/keys/:id/test: an admin tests one pooled key through a worker of its provider; the outcome
// is real (the simulator answers on that key) and counted on the key; members and unknown keys are refused.
import assert from 'node:assert/strict';
import { call } from '../support/http';
import { newTestUser, testAdminToken, testStack, type TestStack } from '../support/stack';

describe('API: testing a pooled key', function () {
  this.timeout(300_000);
  let stack: TestStack;
  let admin: string;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    admin = await testAdminToken(stack);
  });

  it('tests the Gemini and the TTS key with one call each, on that key', async () => {
    const keys = (await call(stack, admin, 'GET', '/api/keys')).json.keys as Array<{ id: string; service: string; usage: { total: number } }>;
    for (const service of ['gemini', 'tts']) {
      const key = keys.find((k) => k.service === service);
      assert.ok(key, `a ${service} key in the pool`);
      const stats = async () => (await fetch(`${stack.simulators!.url}/_sim/stats`)).text();
      const before = await stats();
      const r = await call(stack, admin, 'POST', `/api/keys/${key.id}/test`, {});
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.ok, true, r.text);
      assert.ok(r.json.latencyMs >= 0);
      assert.equal(r.json.key.id, key.id);
      assert.equal(r.json.key.circuit, 'closed');
      assert.ok(!r.text.includes('bolt-simulator-key'), 'the key itself is never returned');
      const after = await stats();
      assert.ok(after !== before, `the ${service} simulator saw the call`);
    }
  });

  it('refuses members (403) and unknown keys (404)', async () => {
    const member = await newTestUser(stack, 'keytest');
    const keys = (await call(stack, admin, 'GET', '/api/keys')).json.keys as Array<{ id: string }>;
    const asMember = await call(stack, member.token, 'POST', `/api/keys/${keys[0]!.id}/test`, {});
    assert.equal(asMember.status, 403);
    assert.equal(asMember.json.error.code, 'forbidden');
    const unknown = await call(stack, admin, 'POST', '/api/keys/00000000-0000-4000-8000-000000000000/test', {});
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'not_found');
    const withBody = await call(stack, admin, 'POST', `/api/keys/${keys[0]!.id}/test`, { surprise: 1 });
    assert.equal(withBody.status, 400);
  });
});
