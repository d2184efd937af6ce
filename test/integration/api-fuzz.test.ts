// Fuzzing the API over real HTTP: thousands of generated malformed requests (wrong types, huge strings,
// missing fields, invalid JSON, odd encodings and paths) against every route. No answer may be a 5xx or
// leak a stack trace, and the server must still answer afterwards.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { DEFAULT_LOGIN_LIMITS } from '../../domain/login-throttle';
import { call, smallBatch } from '../support/http';
import { appOnStack, eventually, newTestUser, testStack, type TestStack } from '../support/stack';

/** A small seeded PRNG (mulberry32), so a failure can be replayed with the printed seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}
type Rng = ReturnType<typeof prng>;

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'null',
  '-1',
  '1e309',
  'NaN',
  '../../etc/passwd',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '\ud800',
  '🦜'.repeat(50),
  'é'.normalize('NFD'),
  '%00',
  'a'.repeat(5000),
  '00000000-0000-4000-8000-000000000000',
  '{"$ne":null}',
  '\r\nX-Injected: 1',
];

function weirdValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 9 : 12)) {
    case 0:
      return null;
    case 1:
      return r.pick([true, false]);
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 3.14159]);
    case 3:
      return r.pick(WEIRD_STRINGS);
    case 4:
      return 'x'.repeat(r.pick([1, 100, 10_001, 200_000]));
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return r.pick(['matrix', 'expand_titles', 'en-US', 'pt-BR-Neural2-A', 'admin', 'csv']);
    case 8:
      return String(r.int(1_000_000));
    case 9:
      return Array.from({ length: r.int(4) + 1 }, () => weirdValue(r, depth + 1));
    case 10:
      return Object.fromEntries(Array.from({ length: r.int(4) + 1 }, () => [r.pick(FIELDS), weirdValue(r, depth + 1)]));
    default: {
      let v: unknown = 1;
      for (let i = 0; i < 60; i++) v = [v];
      return v;
    }
  }
}

const FIELDS = [
  'mode',
  'titles',
  'languages',
  'language',
  'voice',
  'agent',
  'agentId',
  'agentVersion',
  'variations',
  'priority',
  'audio',
  'webhook',
  'url',
  'secret',
  'email',
  'password',
  'name',
  'premisePrompt',
  'structurePrompt',
  'tone',
  'targetMinutes',
  'masterLanguage',
  'expiresInDays',
  'role',
  'window',
  '__proto__',
  'constructor',
] as const;

/** Percent-encodes any string byte by byte (lone surrogates included, which encodeURIComponent refuses). */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');

/** A body that is valid except for one or more deliberate defects. */
function mutate(r: Rng, valid: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = JSON.parse(JSON.stringify(valid));
  const keys = Object.keys(out);
  const defects = 1 + r.int(3);
  for (let i = 0; i < defects; i++) {
    const k = r.pick(keys.length ? keys : ['x']);
    switch (r.int(4)) {
      case 0:
        delete out[k];
        break;
      case 1:
        out[k] = weirdValue(r);
        break;
      case 2:
        out[`unknown_${r.int(100)}`] = weirdValue(r);
        break;
      default:
        out[k] = 'y'.repeat(20_000);
    }
  }
  // Always at least one certain defect, so no generated request is accidentally valid.
  out.fuzzUnknownField = true;
  return out;
}

function rawBody(r: Rng, valid: Record<string, unknown>): { body: Buffer; headers: Record<string, string> } {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  switch (r.int(14)) {
    case 0:
      return { body: Buffer.from('{"mode": "matrix", '), headers: { 'content-type': 'application/json' } };
    case 1:
      return { body: Buffer.from(r.pick(['[]', '"string"', '42', 'null', 'true', '{}', '{"a":1}{"b":2}'])), headers: { 'content-type': 'application/json' } };
    case 2:
      return { body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]), headers: { 'content-type': 'application/json' } };
    case 3:
      return { body: Buffer.from(JSON.stringify(mutate(r, valid)), 'utf16le'), headers: { 'content-type': 'application/json; charset=utf-16' } };
    case 4:
      return { body: json(mutate(r, valid)), headers: { 'content-type': 'application/json; charset=koi8-r' } };
    case 5:
      return { body: Buffer.from('not gzip at all'), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } };
    case 6:
      return { body: zlib.gzipSync(json(mutate(r, valid))), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } };
    case 7:
      return { body: json(mutate(r, valid)), headers: { 'content-type': 'application/json', 'content-encoding': 'br, compress' } };
    case 8:
      return { body: json(mutate(r, valid)), headers: { 'content-type': r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) } };
    case 9:
      return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(mutate(r, valid))]), headers: { 'content-type': 'application/json' } };
    case 10:
      return { body: Buffer.alloc(1_200_000, 0x61), headers: { 'content-type': 'application/json' } };
    case 11:
      return { body: json(weirdValue(r)), headers: { 'content-type': 'application/json' } };
    default:
      return { body: json(mutate(r, valid)), headers: { 'content-type': 'application/json' } };
  }
}

describe('API fuzz: malformed requests over every route', function () {
  this.timeout(180_000);
  let stack: TestStack;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('answers 2,000+ generated malformed requests without a 5xx, a stack trace or going down', async () => {
    const owner = await newTestUser(stack, 'fuzz');
    const created = await call(stack, owner.token, 'POST', '/api/batches', smallBatch());
    const batchId: string = created.json.batch.id;
    await eventually(async () => (await call(stack, owner.token, 'GET', `/api/batches/${batchId}`)).json.batch.status === 'completed', 'the batch', 120_000);
    const jobId: string = (await call(stack, owner.token, 'GET', `/api/batches/${batchId}/jobs`)).json.jobs[0].id;
    const agentId: string = (await call(stack, owner.token, 'POST', '/api/agents', { name: 'n', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1 })).json.agent.id;

    // Its own app on the real stack, with its own login counters, so its guesses cannot lock other tests out.
    const app = appOnStack(stack, { loginLimits: { ...DEFAULT_LOGIN_LIMITS, scope: 'fuzz' } });
    const server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const doc = (await call(stack, undefined, 'GET', '/api/openapi.json')).json;
    const routes: Array<{ method: string; path: string }> = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: p })),
    );
    const validBodies: Record<string, Record<string, unknown>> = {
      'POST /api/batches': smallBatch(),
      'POST /api/auth/login': { email: 'fuzz@bolt.test', password: 'fuzz-password' },
      'POST /api/tokens': { name: 'fuzz' },
      'POST /api/users': { email: 'fuzz@bolt.test', password: 'fuzz-password' },
      'POST /api/agents': { name: 'n', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1 },
      'PUT /api/agents/{id}': { name: 'n', premisePrompt: 'p', structurePrompt: 's', tone: 't', targetMinutes: 1 },
    };
    const seed = Number(process.env.BOLT_FUZZ_SEED ?? Date.now() % 1_000_000);
    const r = prng(seed);
    const badIds = ['not-a-uuid', '00000000-0000-4000-8000-000000000000', '%E0%A4%A', '%00', 'a'.repeat(3000), '..%2F..%2Fetc', '1;DROP TABLE jobs', '🦜', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ'];

    const generate = (): RawRequest => {
      const route = r.pick(routes);
      const key = `${route.method} ${route.path}`;
      // Destructive routes only ever get ids that name nothing, and logout never gets the real token.
      const destructive = route.method === 'DELETE' || route.path === '/api/auth/logout';
      const realId = (name: string) => (name === 'id' ? (route.path.startsWith('/api/agents') ? agentId : route.path.startsWith('/api/jobs') ? jobId : batchId) : '1');
      let path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => (!destructive && r.next() < 0.4 ? realId(name) : encodeURI(r.pick(badIds)).replace(/%25/g, '%')));
      const q = r.int(5);
      if (q === 1) path += `?page=${r.pick(['0', '-1', 'abc', '1e9', '99999999', '1.5', ''])}&pageSize=${r.pick(['0', '201', 'x', '25'])}`;
      else if (q === 2) path += `?status=${pct(String(weirdValue(r)).slice(0, 300))}&language=${r.pick(['xx', 'en-us', 'EN-US', 'pt-BR', '%ZZ'])}`;
      else if (q === 3) path += `?${r.pick(['page=1&page=2', 'format=xml', 'format=csv&format=json', 'key=a&expires=1&signature=zz', 'a[b]=c', '__proto__[x]=1', 'x'.repeat(5000) + '=1'])}`;
      const headers: Record<string, string> = {};
      const auth = r.int(10);
      if (auth < 7 && !destructive) headers.authorization = `Bearer ${owner.token}`;
      else if (auth < 9) headers.authorization = r.pick(['Bearer ', 'Bearer bolt_' + 'A'.repeat(43), 'Basic Zm9vOmJhcg==', 'Bearer ' + 'x'.repeat(600), 'bearer', `Bearer ${owner.token}x`]);
      if (r.next() < 0.1) headers['idempotency-key'] = r.pick(['', ' ', 'x'.repeat(300), 'ünïcode', 'ok-key']);
      let body: Buffer | undefined;
      if (route.method === 'POST' || route.method === 'PUT' || r.next() < 0.1) {
        const raw = rawBody(r, validBodies[key] ?? { window: 3 });
        body = raw.body;
        Object.assign(headers, raw.headers);
      }
      return { method: route.method, path, headers, body };
    };

    const send = (req: RawRequest) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const h = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) }, agent }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            // Streams (events, downloads) are sampled, not read to the end.
            if (size < 65_536) chunks.push(c);
            size += c.length;
            if (size >= 65_536) res.destroy();
          });
          res.on('close', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        });
        h.on('error', reject);
        h.end(req.body);
      });

    const TOTAL = 2400;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let sent = 0;
    try {
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (sent < TOTAL) {
            sent++;
            const req = generate();
            let answer: { status: number; body: string };
            try {
              answer = await send(req);
            } catch (err) {
              // The server may refuse a request outright (e.g. a header too large): a reset is an answer, a crash is not.
              answer = { status: -1, body: (err as Error).message };
            }
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status >= 500 || /\bat .+\.(ts|js):\d+/.test(answer.body) || (answer.status >= 400 && !/"error":\{"code":"[a-z_]+"/.test(answer.body))) {
              failures.push(`${req.method} ${req.path.slice(0, 120)} [${JSON.stringify(req.headers).slice(0, 200)}] → ${answer.status} ${answer.body.slice(0, 200)}`);
            }
          }
        }),
      );
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200, 'the server is still up');
      assert.equal((await call(stack, owner.token, 'GET', `/api/batches/${batchId}`)).json.batch.status, 'completed', 'the data is untouched');
    } finally {
      app.locals.progress.stop();
      agent.destroy();
      server.closeAllConnections();
      server.close();
    }
    const summary = [...statuses.entries()].sort(([x], [y]) => x - y).map(([s, n]) => `${s}:${n}`).join(' ');
    assert.deepEqual(failures.slice(0, 10), [], `seed ${seed}; statuses ${summary}`);
    assert.ok(sent >= 2000);
    assert.ok(![...statuses.keys()].some((s) => s >= 500), `seed ${seed}; statuses ${summary}`);
    // Resets are allowed only for oversize requests; nearly everything is a clean 4xx answer.
    assert.ok((statuses.get(-1) ?? 0) < TOTAL / 20, `seed ${seed}; statuses ${summary}`);
  });
});
