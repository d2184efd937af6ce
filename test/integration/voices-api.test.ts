// Voice previews (spoken once by a TTS worker, then served from storage) and favourite voices per user.
import assert from 'node:assert/strict';
import { probeAudio } from '../support/audio-probe';
import { call } from '../support/http';
import { newTestUser, testStack, type TestStack } from '../support/stack';

async function preview(stack: TestStack, token: string | undefined, voice: string) {
  const res = await fetch(`${stack.apiUrl}/api/voices/${voice}/preview`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

describe('voice previews and favourite voices', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  const syntheses = () => stack.simulators!.tts.counters.snapshot().byEndpoint.synthesize ?? 0;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    a = await newTestUser(stack, 'voices-a');
    b = await newTestUser(stack, 'voices-b');
  });

  it('speaks a preview once, as a real MP3 in the voice’s language, and serves it from storage after that', async () => {
    assert.equal((await preview(stack, undefined, 'pt-BR-Neural2-C')).status, 401, 'a preview spends quota: it needs a token');
    const before = syntheses();
    const first = await preview(stack, a.token, 'pt-BR-Neural2-C');
    assert.equal(first.status, 200, first.body.toString());
    assert.equal(first.type, 'audio/mpeg');
    const info = await probeAudio(first.body);
    assert.equal(info.codec, 'mp3');
    assert.ok(info.durationMs > 500, `${info.durationMs} ms of speech`);
    assert.equal(syntheses() - before, 1);
    const again = await preview(stack, b.token, 'pt-BR-Neural2-C');
    assert.equal(again.status, 200);
    assert.ok(again.body.equals(first.body), 'the same stored sample');
    assert.equal(syntheses() - before, 1, 'no second call');
    const stored = (await stack.storage.list('previews/')).filter((k) => k.startsWith('previews/pt-BR-Neural2-C-'));
    assert.equal(stored.length, 1);
  });

  it('makes one call for many simultaneous first requests, also for voices that take plain text only', async () => {
    const before = syntheses();
    const answers = await Promise.all(Array.from({ length: 6 }, () => preview(stack, a.token, 'ja-JP-Chirp3-HD-Kore')));
    for (const r of answers) {
      assert.equal(r.status, 200, r.body.toString());
      assert.ok(r.body.equals(answers[0]!.body));
    }
    assert.equal(syntheses() - before, 1, 'six requests, one paid call');
  });

  it('answers unknown and malformed voice names with 404 and calls nothing', async () => {
    const before = syntheses();
    for (const name of ['pt-BR-Neural2-Q', 'not-a-voice', 'pt-BR-Neural2-A%20x']) {
      const r = await call(stack, a.token, 'GET', `/api/voices/${name}/preview`);
      assert.equal(r.status, 404, name);
      assert.equal(r.json.error.code, 'not_found', name);
    }
    assert.equal(syntheses(), before);
  });

  it('keeps one favourite voice per language per user, validated against the catalog', async () => {
    assert.deepEqual((await call(stack, a.token, 'GET', '/api/me/favourite-voices')).json, { favourites: [] });
    const set = await call(stack, a.token, 'PUT', '/api/me/favourite-voices/pt-BR', { voice: 'pt-BR-Neural2-A' });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.favourite.voice, 'pt-BR-Neural2-A');
    const replaced = await call(stack, a.token, 'PUT', '/api/me/favourite-voices/pt-BR', { voice: 'pt-BR-Chirp3-HD-Kore' });
    assert.equal(replaced.json.favourite.voice, 'pt-BR-Chirp3-HD-Kore');
    await call(stack, a.token, 'PUT', '/api/me/favourite-voices/en-US', { voice: 'en-US-Neural2-C' });
    const mine = await call(stack, a.token, 'GET', '/api/me/favourite-voices');
    assert.deepEqual(
      mine.json.favourites.map((f: { language: string; voice: string }) => [f.language, f.voice]),
      [
        ['en-US', 'en-US-Neural2-C'],
        ['pt-BR', 'pt-BR-Chirp3-HD-Kore'],
      ],
    );

    const bad: Array<[string, unknown, number, RegExp]> = [
      ['/api/me/favourite-voices/pt-BR', { voice: 'en-US-Neural2-C' }, 400, /does not speak pt-BR/],
      ['/api/me/favourite-voices/pt-BR', { voice: 'pt-BR-Neural2-Q' }, 400, /unknown voice pt-BR-Neural2-Q/],
      ['/api/me/favourite-voices/pt-BR', { voice: 'pt-BR-Neural2-A', colour: 'red' }, 400, /colour/],
      ['/api/me/favourite-voices/pt-BR', {}, 400, /voice/],
      ['/api/me/favourite-voices/portuguese', { voice: 'pt-BR-Neural2-A' }, 404, /no such language/],
    ];
    for (const [path, body, status, message] of bad) {
      const r = await call(stack, a.token, 'PUT', path, body);
      assert.equal(r.status, status, `${path} ${JSON.stringify(body)}: ${r.text}`);
      assert.match(r.text, message);
    }
    assert.equal((await call(stack, a.token, 'GET', '/api/me/favourite-voices')).json.favourites.length, 2, 'bad requests changed nothing');

    // Favourites are the caller's own: B sees none of A's and cannot remove them.
    assert.deepEqual((await call(stack, b.token, 'GET', '/api/me/favourite-voices')).json, { favourites: [] });
    assert.equal((await call(stack, b.token, 'DELETE', '/api/me/favourite-voices/pt-BR')).status, 404);
    assert.equal((await call(stack, a.token, 'DELETE', '/api/me/favourite-voices/pt-BR')).status, 204);
    assert.equal((await call(stack, a.token, 'DELETE', '/api/me/favourite-voices/pt-BR')).status, 404);
    assert.equal((await call(stack, undefined, 'GET', '/api/me/favourite-voices')).status, 401);
  });
});
