// Logs, metrics and traces of a production-shaped deployment: a standalone API and a standalone worker
// (as `npm run api` / `npm run worker`) on the test stack's Temporal and PostgreSQL, with their own
// simulators, an OTLP collector on loopback, and metrics ports. Two small batches run through them
// (the second one served from the cache); the test reads what an operator would.
import assert from 'node:assert/strict';
import { startSimulators, type SimulatorServer } from '../../simulators/server';
import { freePort } from '../../stack/processes';
import { call } from '../support/http';
import { parseMetrics, startBoltProcess, startCollector, sumOf, type BoltProcess, type Collector, type CollectedSpan, type Sample } from '../support/observability';
import { TEST_ADMIN, eventually, testStack, type TestStack } from '../support/stack';

const REQUEST_ID = `obs-request-${process.pid}-0001`;

describe('observability: JSON logs, Prometheus metrics and OpenTelemetry traces', function () {
  this.timeout(600_000);
  let stack: TestStack;
  let sim: SimulatorServer;
  let collector: Collector;
  let api: BoltProcess;
  let worker: BoltProcess;
  let apiStack: TestStack;
  let ports: { api: number; metrics: number; temporalMetrics: number };
  let token: string;
  const batchIds: string[] = [];
  let jobsPerBatch = 0;
  let mastersPerBatch = 0;
  let firstPost: { status: number; requestId: string | null };

  const scrape = async (url: string): Promise<Sample[]> => {
    const res = await fetch(url);
    assert.equal(res.status, 200, `${url} answers`);
    return parseMetrics(await res.text());
  };
  const jsonLines = (p: BoltProcess) => p.lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
    sim = await startSimulators();
    collector = await startCollector();
    ports = { api: await freePort(), metrics: await freePort(), temporalMetrics: await freePort() };
    const common = {
      BOLT_DATA_DIR: stack.dataDir,
      DATABASE_URL: stack.postgres.url,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_TASK_QUEUE: `bolt-obs-${process.pid}`,
      BOLT_SIMULATOR_URL: sim.url,
      BOLT_LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    };
    worker = startBoltProcess('workers/main.ts', { ...common, BOLT_METRICS_PORT: String(ports.metrics), BOLT_TEMPORAL_METRICS_PORT: String(ports.temporalMetrics) });
    api = startBoltProcess('api/main.ts', { ...common, PORT: String(ports.api) });
    const up = (p: BoltProcess, url: string) =>
      eventually(
        async () => {
          if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}: ${[...p.lines, ...p.errLines].slice(-20).join('\n')}`);
          return (await fetch(url).then((r) => r.status === 200).catch(() => false)) || undefined;
        },
        url,
        240_000,
        500,
      );
    await Promise.all([up(worker, `http://127.0.0.1:${ports.metrics}/readyz`), up(api, `http://127.0.0.1:${ports.api}/readyz`)]);
    apiStack = { ...stack, apiUrl: `http://127.0.0.1:${ports.api}` };
    const login = await call(apiStack, undefined, 'POST', '/api/auth/login', TEST_ADMIN);
    assert.equal(login.status, 200, login.text);
    token = login.json.token;

    // The TTS key is out of quota at first: calls get 429 until the test lifts it.
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ tts: { exhaustedKeys: { 'bolt-simulator-key': { retryDelaySeconds: 1 } } } }) });
    const titles = [`Why the sea glows at night ${process.pid}`, `How bees find their way ${process.pid}`];
    const body = {
      mode: 'matrix',
      titles,
      languages: [
        { language: 'en-US', voice: 'en-US-Neural2-C' },
        { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
      ],
      agent: { targetMinutes: 0.2 },
    };
    for (const [i, requestId] of [REQUEST_ID, undefined].entries()) {
      const created = await call(apiStack, token, 'POST', '/api/batches', body, requestId ? { 'x-request-id': requestId } : {});
      assert.equal(created.status, 201, created.text);
      if (i === 0) firstPost = { status: created.status, requestId: created.headers.get('x-request-id') };
      const id = created.json.batch.id as string;
      batchIds.push(id);
      jobsPerBatch = created.json.batch.counts.total;
      mastersPerBatch = titles.length;
      if (i === 0) {
        await eventually(async () => ((await (await fetch(`${sim.url}/_sim/stats`)).json()) as { tts: { errors: Record<string, number> } }).tts.errors['429'], 'a 429 from TTS', 120_000);
        await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
      }
      await eventually(
        async () => {
          const r = await call(apiStack, token, 'GET', `/api/batches/${id}`);
          return r.json.batch.status === 'completed' ? r.json.batch : undefined;
        },
        `batch ${id} to complete`,
        300_000,
        500,
      );
    }
  });

  after(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await Promise.all([sim?.close(), collector?.close()]);
  });

  it('worker /metrics counts what the batches did: jobs, stages, provider calls with 429s, spend, cache hits, key waits', async () => {
    assert.equal(jobsPerBatch, 4);
    const m = await scrape(`http://127.0.0.1:${ports.metrics}/metrics`);
    const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as { gemini: { total: number; errors: Record<string, number> }; tts: { byEndpoint: Record<string, number>; errors: Record<string, number> } };
    assert.equal(sumOf(m, 'bolt_jobs_completed_total'), 2 * jobsPerBatch, 'every job of both batches, once');
    assert.equal(sumOf(m, 'bolt_jobs_failed_total'), 0);
    assert.equal(sumOf(m, 'bolt_job_stage_duration_seconds_count', { stage: 'synthesis', outcome: 'ok' }), 2 * jobsPerBatch);
    // A master script is written once, by its own workflow, for all the jobs of its title: one master stage each.
    assert.equal(sumOf(m, 'bolt_job_stage_duration_seconds_count', { stage: 'master', outcome: 'ok' }), 2 * mastersPerBatch);
    // The second batch is the same work: every narration from the audio cache, no TTS call.
    assert.equal(sumOf(m, 'bolt_cache_hits_total', { kind: 'audio' }), jobsPerBatch);
    assert.ok(sumOf(m, 'bolt_cache_hits_total', { kind: 'script' }) >= 2, 'masters of the second batch come from the script cache');
    // Provider calls match what the simulator saw: 429s counted with their status, successes with 200.
    const tts429 = stats.tts.errors['429'] ?? 0;
    assert.ok(tts429 >= 1);
    assert.equal(sumOf(m, 'bolt_provider_calls_total', { provider: 'tts', outcome: 'quota', status: '429' }), tts429);
    // A narration is bought chunk by chunk, one pooled-key call per request: successes match the simulator's.
    const ttsOk = (stats.tts.byEndpoint.synthesize ?? 0) - Object.values(stats.tts.errors).reduce((a, b) => a + b, 0);
    assert.ok(ttsOk >= jobsPerBatch, 'at least one synthesis per job of the first batch');
    assert.equal(sumOf(m, 'bolt_provider_calls_total', { provider: 'tts', outcome: 'success', status: '200' }), ttsOk, 'one call per request Google answered');
    const geminiOk = stats.gemini.total - Object.values(stats.gemini.errors).reduce((a, b) => a + b, 0);
    assert.equal(sumOf(m, 'bolt_provider_calls_total', { provider: 'gemini', outcome: 'success', status: '200' }), geminiOk);
    assert.equal(sumOf(m, 'bolt_provider_call_duration_seconds_count', { provider: 'tts' }), tts429 + ttsOk);
    assert.ok(sumOf(m, 'bolt_spend_usd_total', { provider: 'tts' }) > 0 && sumOf(m, 'bolt_spend_usd_total', { provider: 'gemini' }) > 0);
    assert.ok(sumOf(m, 'bolt_key_waits_total', { provider: 'tts' }) >= 1, 'a call waited for the TTS key to have room');
    assert.equal(sumOf(m, 'bolt_key_wait_seconds_count', { provider: 'tts' }), sumOf(m, 'bolt_key_waits_total', { provider: 'tts' }));
  });

  it('worker answers /healthz and /readyz, and the Temporal SDK exports its own worker metrics', async () => {
    const health = await fetch(`http://127.0.0.1:${ports.metrics}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`http://127.0.0.1:${ports.metrics}/readyz`);
    assert.deepEqual(await ready.json(), { ok: true, checks: { workers: 'ok', postgres: 'ok' } });
    assert.equal((await fetch(`http://127.0.0.1:${ports.metrics}/nope`)).status, 404);
    const sdk = await scrape(`http://127.0.0.1:${ports.temporalMetrics}/metrics`);
    const queue = `bolt-obs-${process.pid}`;
    const ours = sdk.filter((s) => s.name.startsWith('temporal_') && s.labels.task_queue?.startsWith(queue));
    assert.ok(ours.length > 0, 'temporal_* series of this worker');
    assert.ok(ours.some((s) => /activity/.test(s.name)) && ours.some((s) => /workflow/.test(s.name)), 'activity and workflow series');
  });

  it('API /metrics has request durations by route pattern and batches by status', async () => {
    const m = await scrape(`http://127.0.0.1:${ports.api}/metrics`);
    assert.equal(sumOf(m, 'bolt_http_request_duration_seconds_count', { method: 'POST', route: '/api/batches', status: '201' }), 2);
    assert.ok(sumOf(m, 'bolt_http_request_duration_seconds_count', { method: 'GET', route: '/api/batches/:id', status: '200' }) >= 2);
    const routes = new Set(m.filter((s) => s.name === 'bolt_http_request_duration_seconds_count').map((s) => s.labels.route!));
    for (const id of batchIds) assert.ok(![...routes].some((r) => r.includes(id)), 'no raw path in the route label');
    assert.ok(sumOf(m, 'bolt_batches', { status: 'completed' }) >= 2);
    assert.ok(m.some((s) => s.name === 'bolt_keys' && s.labels.provider === 'tts' && s.labels.circuit !== undefined));
  });

  it('logs are JSON lines; job lines carry batchId, jobId, workflowId, activity and attempt; request lines a request id', () => {
    const wl = jsonLines(worker);
    const al = jsonLines(api);
    const [batchId] = batchIds;
    const ofBatch = wl.filter((l) => l.batchId === batchId);
    // The SDK writes "Activity started" and "Workflow started" before any interceptor has read the
    // input, so those two carry the batch, workflow id (job-<batch>-<seq>), activity and attempt only.
    const activityLines = ofBatch.filter((l) => l.activity === 'synthesizeSpeech' && l.msg !== 'Activity started');
    assert.ok(activityLines.filter((l) => l.msg === 'Activity completed').length >= jobsPerBatch, 'SDK lines of every narration');
    for (const l of activityLines) {
      assert.match(String(l.jobId), /^[0-9a-f-]{36}$/, JSON.stringify(l));
      assert.match(String(l.workflowId), new RegExp(`^job-${batchId}-\\d+`));
      assert.equal(typeof l.attempt, 'number');
    }
    // Our own lines inside an activity (the key pool's, the database's) get the same fields from the context.
    const quotaLines = ofBatch.filter((l) => l.component === undefined && l.activity === 'synthesizeSpeech');
    assert.ok(quotaLines.every((l) => typeof l.jobId === 'string' && typeof l.attempt === 'number'));
    // Workflow lines come through the workflow logger sink, with the job from the workflow's input.
    const workflowLines = ofBatch.filter((l) => l.workflowType === 'jobWorkflow' && l.msg === 'Workflow completed');
    assert.equal(workflowLines.length, jobsPerBatch);
    assert.ok(workflowLines.every((l) => typeof l.jobId === 'string'), 'workflow lines carry the job');
    // Every line about a job workflow or its activities names the batch.
    for (const l of wl.filter((x) => String(x.workflowId ?? '').startsWith(`job-${batchId}`))) assert.equal(l.batchId, batchId, JSON.stringify(l));

    for (const l of api.lines) assert.ok((l.match(/"reqId":/g) ?? []).length <= 1, `one reqId per line: ${l}`);
    assert.equal(firstPost.requestId, REQUEST_ID, 'a sane client request id is kept and returned');
    const post = al.find((l) => l.reqId === REQUEST_ID && (l.req as { method?: string } | undefined)?.method === 'POST');
    assert.ok(post, 'the POST is logged with its request id');
    assert.equal((post.req as { path: string }).path, '/api/batches');
    assert.equal((post.res as { statusCode: number }).statusCode, 201);
    // Lines of a request about a batch name the batch.
    const read = al.find((l) => (l.req as { method?: string; path?: string } | undefined)?.path === `/api/batches/${batchId}`);
    assert.equal(read?.batchId, batchId);
    const generated = al.filter((l) => l.reqId !== undefined && l.reqId !== REQUEST_ID && (l.req as { path?: string } | undefined)?.path === '/api/batches');
    assert.ok(generated.length >= 1 && generated.every((l) => /^[0-9a-f-]{36}$/.test(String(l.reqId))), 'other requests get a generated id');
  });

  it('no password, bearer token or key in any line of either process', async () => {
    const res = await call(apiStack, undefined, 'GET', '/api/batches', undefined, { authorization: 'Bearer not-a-real-token-but-secret-1234' });
    assert.equal(res.status, 401);
    assert.match(String(res.headers.get('x-request-id')), /^[0-9a-f-]{36}$/);
    const bad = await call(apiStack, undefined, 'GET', '/healthz', undefined, { 'x-request-id': 'bad id with spaces and \u00e9' });
    assert.match(String(bad.headers.get('x-request-id')), /^[0-9a-f-]{36}$/, 'an unsafe request id is replaced');
    await eventually(async () => api.lines.some((l) => l.includes('"statusCode":401')), 'the 401 logged', 10_000);
    const all = [...api.lines, ...worker.lines, ...api.errLines, ...worker.errLines].join('\n');
    for (const secret of [TEST_ADMIN.password, token, 'not-a-real-token-but-secret-1234', 'bolt-simulator-key']) assert.ok(!all.includes(secret), `…${secret.slice(-4)} is in a log line`);
    assert.ok(!/"taskToken"/.test(all), 'Temporal task tokens are dropped');
  });

  it('one trace links POST /api/batches through the workflows and the activity to the TTS call', async () => {
    const chainFor = (spans: CollectedSpan[]) => {
      const posts = spans.filter((s) => s.name === 'POST /api/batches' && s.service === 'bolt-api');
      for (const post of posts) {
        const inTrace = spans.filter((s) => s.traceId === post.traceId);
        const byId = new Map(inTrace.map((s) => [s.spanId, s]));
        for (const call of inTrace.filter((s) => s.name === 'tts call')) {
          const chain: CollectedSpan[] = [call];
          for (let s = call; s.parentSpanId && byId.has(s.parentSpanId); ) chain.push((s = byId.get(s.parentSpanId)!));
          if (chain.at(-1) === post) return chain;
        }
      }
      return undefined;
    };
    const chain = await eventually(async () => chainFor(collector.spans), 'a trace from the POST to a TTS call', 60_000, 500);
    const names = chain.map((s) => s.name);
    assert.equal(names[0], 'tts call');
    assert.equal(chain[0]!.service, 'bolt-worker');
    assert.equal(chain[0]!.attributes['bolt.provider'], 'tts');
    for (const expected of ['RunActivity:synthesizeSpeech', 'RunWorkflow:jobWorkflow', 'RunActivity:startJobs', 'RunWorkflow:batchWorkflow', 'StartWorkflow:batchWorkflow', 'POST /api/batches']) {
      assert.ok(names.includes(expected), `${expected} in ${names.join(' <- ')}`);
    }
  });
});
