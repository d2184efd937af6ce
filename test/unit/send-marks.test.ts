// A call's send mark: the requests made inside `withSendMark` (and only those), through Node's fetch or its http
// module, note when their bodies left.
import assert from 'node:assert/strict';
import http from 'node:http';
import { createTtsClient } from '../../adapters/tts';
import { startSimulators } from '../../simulators/server';
import type { AddressInfo } from 'node:net';
import { withSendMark, type SendMark } from '../../adapters/send-marks';

describe('send marks', () => {
  let server: http.Server;
  let url = '';
  /** When the server had read each request's whole body, by the request's `x-call` header. */
  const bodyRead = new Map<string, number>();

  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        bodyRead.set(String(req.headers['x-call']), Date.now());
        // Answers 150 ms later, so an answer's time cannot pass for the body's.
        setTimeout(() => res.end('{}'), 150);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = async (call: string, size: number) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-call': call }, body: JSON.stringify({ text: 'x'.repeat(size) }) });
    await res.text();
  };

  it('ties each concurrent call to its own mark, between its hand-over and the server reading its body', async () => {
    const calls = Array.from({ length: 8 }, (_, i) => ({ id: `c${i}`, mark: { requests: 0 } as SendMark, handed: 0, answered: 0 }));
    await Promise.all(
      calls.map((c, i) =>
        withSendMark(c.mark, async () => {
          await new Promise((r) => setTimeout(r, i * 20));
          c.handed = Date.now();
          await post(c.id, 1000 + i * 20_000);
          c.answered = Date.now();
        }),
      ),
    );
    for (const c of calls) {
      assert.equal(c.mark.requests, 1, `${c.id}: one request`);
      const sent = c.mark.bodySentAt;
      assert.ok(sent !== undefined && sent >= c.handed && sent <= bodyRead.get(c.id)!, `${c.id}: body sent ${sent! - c.handed} ms after the hand-over, read ${bodyRead.get(c.id)! - c.handed} ms after`);
      assert.ok(sent <= c.answered - 150, `${c.id}: the mark is the send, not the answer`);
    }
  });

  it("notes a request of Node's http module when its body has been handed to the socket", async () => {
    const mark: SendMark = { requests: 0 };
    let handed = 0;
    await withSendMark(mark, async () => {
      handed = Date.now();
      await new Promise<void>((resolve, reject) => {
        const req = http.request(url, { method: 'POST', headers: { 'x-call': 'http-module' } }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end(JSON.stringify({ text: 'y'.repeat(50_000) }));
      });
    });
    const answered = Date.now();
    assert.equal(mark.requests, 1);
    assert.ok(mark.bodySentAt! >= handed && mark.bodySentAt! <= bodyRead.get('http-module')!, 'between the hand-over and the server reading it');
    assert.ok(mark.bodySentAt! <= answered - 150, 'the send, not the answer');
  });

  it('notes the request of a TTS call made through the production SDK client (its REST fallback)', async () => {
    const sim = await startSimulators({ tts: { speech: 'tone', latencyMs: 200 } });
    try {
      const client = createTtsClient({ apiKey: 'send-mark-test-key', baseUrl: sim.url });
      const mark: SendMark = { requests: 0 };
      const started = Date.now();
      await withSendMark(mark, () => client.synthesizeSpeech({ input: { text: 'Hello there.' }, voice: { languageCode: 'en-US', name: 'en-US-Neural2-C' }, audioConfig: { audioEncoding: 'LINEAR16' } }));
      const answered = Date.now();
      assert.equal(mark.requests, 1, 'one request, and no other (such as a metadata lookup)');
      assert.ok(mark.bodySentAt! >= started && mark.bodySentAt! <= answered - 200, `sent ${mark.bodySentAt! - started} ms in, answered ${answered - started} ms in`);
    } finally {
      await sim.close();
    }
  });

  it('counts every request of a call, keeps the last send, and leaves requests outside any mark alone', async () => {
    const mark: SendMark = { requests: 0 };
    let between = 0;
    await withSendMark(mark, async () => {
      await post('first', 10);
      between = Date.now();
      await post('second', 10);
    });
    const last = mark.bodySentAt;
    assert.equal(mark.requests, 2);
    assert.ok(last! >= between, 'the second request is the last one sent');
    await post('unmarked', 10);
    assert.equal(mark.requests, 2, 'a request made after the call is not its own');
    assert.equal(mark.bodySentAt, last);
  });
});
