// The simulators count a request when it reaches their front door (its own thread), as a provider would, not when
// their process's busy event loop gets to it; a client cannot set that time itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ARRIVAL_HEADER } from '../../simulators/http';
import { startSimulators, type SimulatorServer } from '../../simulators/server';

const KEY = 'front-door-test-key-0001';
const LABEL = `…${KEY.slice(-4)}`;
const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello.' }] }] });

describe('simulators front door', () => {
  let sim: SimulatorServer;
  before(async () => {
    sim = await startSimulators({ gemini: { quota: { perKeyPerMinute: 100 } } });
  });
  after(() => sim.close());

  const generate = (headers: Record<string, string> = {}) =>
    fetch(`${sim.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': KEY, ...headers }, body });

  it('counts a request from when it arrived, while the simulators’ event loop was blocked', async () => {
    // Another process sends 300 ms after it says it is ready; this thread is blocked from then for 1.2 s.
    const script = `process.stdout.write('ready\\n'); setTimeout(async () => { const sent = Date.now(); const res = await fetch(${JSON.stringify(`${sim.url}/v1beta/models/gemini-2.5-flash:generateContent`)}, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': ${JSON.stringify(KEY)} }, body: ${JSON.stringify(body)} }); await res.text(); process.stdout.write(JSON.stringify({ sent, status: res.status }) + '\\n'); }, 300);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        if (out.includes('ready\n')) resolve();
      });
    });
    const blockedFrom = Date.now();
    while (Date.now() - blockedFrom < 1200) {
      // The simulators' thread is busy: nothing on its event loop runs.
    }
    const blockedUntil = Date.now();
    await once(child, 'exit');
    const report = JSON.parse(out.split('\n')[1]!) as { sent: number; status: number };
    assert.equal(report.status, 200);
    const counted = sim.gemini.counters.callTimes(LABEL);
    assert.equal(counted.length, 1);
    assert.ok(counted[0]! >= report.sent, `counted ${counted[0]! - report.sent} ms after the send`);
    assert.ok(counted[0]! < blockedUntil - 500, `counted ${blockedUntil - counted[0]!} ms before the loop was free: at its arrival, not when the loop got to it`);
    assert.deepEqual(sim.gemini.quotas.countedFor(KEY), counted);
  });

  it('takes the arrival from its own clock, not from a header the client sent', async () => {
    const before = Date.now();
    const res = await generate({ [ARRIVAL_HEADER]: '1000' });
    assert.equal(res.status, 200);
    await res.text();
    const last = sim.gemini.counters.callTimes(LABEL).at(-1)!;
    assert.ok(last >= before && last <= Date.now(), `counted at ${last}, not at the header's 1000`);
  });

  it('passes a client that leaves a hanging call on to the simulator, and closes', async () => {
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ gemini: { timeoutRate: 1, hangMs: 60_000 } }) });
    try {
      const errors = () => sim.gemini.counters.snapshot().errors['504'] ?? 0;
      const before = errors();
      const ac = new AbortController();
      const call = fetch(`${sim.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': KEY }, body, signal: ac.signal });
      setTimeout(() => ac.abort(), 300);
      await assert.rejects(call, /abort/i);
      // The simulator saw the client leave (it records the hang's end as a 504) well before its 60 s.
      const deadline = Date.now() + 5000;
      while (errors() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(errors() > before, 'the simulator noticed the client had left');
    } finally {
      await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    }
  });
});
