// Prometheus metrics of one process (prom-client): what the workers did (jobs, stages, provider calls,
// spend, cache hits, waits for a key) and, on the API, what PostgreSQL holds (batches, keys) read at scrape.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';

/** Seconds buckets for provider calls and stages: from a cached answer to a long narration. */
const SLOW_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];
/** Seconds buckets for HTTP requests. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How a provider call ended, for the `outcome` label. */
export type ProviderCallOutcome = 'success' | 'quota' | 'invalid_key' | 'failure' | 'refused';

/** The metrics of one process; entry points create one and pass it to the parts that count. */
export class BoltMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'bolt_http_request_duration_seconds',
    help: 'HTTP requests served by the API, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  readonly stageDuration = new Histogram({
    name: 'bolt_job_stage_duration_seconds',
    help: 'Time a job spent in one stage (one activity attempt), by stage and outcome',
    labelNames: ['stage', 'outcome'] as const,
    buckets: SLOW_BUCKETS,
    registers: [this.registry],
  });
  readonly jobsCompleted = new Counter({ name: 'bolt_jobs_completed_total', help: 'Jobs that completed', registers: [this.registry] });
  readonly jobsFailed = new Counter({
    name: 'bolt_jobs_failed_total',
    help: 'Jobs that failed, by error code and stage',
    labelNames: ['code', 'stage'] as const,
    registers: [this.registry],
  });
  readonly providerCalls = new Counter({
    name: 'bolt_provider_calls_total',
    help: 'Calls to Gemini and TTS on a pooled key, by provider, outcome and HTTP status',
    labelNames: ['provider', 'outcome', 'status'] as const,
    registers: [this.registry],
  });
  readonly providerLatency = new Histogram({
    name: 'bolt_provider_call_duration_seconds',
    help: 'Latency of calls to Gemini and TTS (a narration is one call of several requests), by provider and outcome',
    labelNames: ['provider', 'outcome'] as const,
    buckets: SLOW_BUCKETS,
    registers: [this.registry],
  });
  readonly spendUsd = new Counter({ name: 'bolt_spend_usd_total', help: 'Money spent on provider calls, in USD, by provider', labelNames: ['provider'] as const, registers: [this.registry] });
  readonly cacheHits = new Counter({
    name: 'bolt_cache_hits_total',
    help: 'Work served from the content-addressed cache instead of a paid call, by kind (script, audio)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly keyWaits = new Counter({
    name: 'bolt_key_waits_total',
    help: 'Provider calls that had to wait because no key had room, by provider',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  readonly keyWaitSeconds = new Histogram({
    name: 'bolt_key_wait_seconds',
    help: 'Time a provider call waited for a key with room (only calls that waited), by provider',
    labelNames: ['provider'] as const,
    buckets: SLOW_BUCKETS,
    registers: [this.registry],
  });

  constructor(o: { processMetrics?: boolean } = {}) {
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Adds gauges read from PostgreSQL at each scrape: batches by status, keys by state, jobs waiting for a key. */
  watchDatabase(db: Kysely<Database>): this {
    new Gauge({
      name: 'bolt_batches',
      help: 'Batches by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await db.selectFrom('batches').select(['status', sql<number>`count(*)`.as('n')]).groupBy('status').execute();
        this.reset();
        for (const r of rows) this.set({ status: r.status }, Number(r.n));
      },
    });
    new Gauge({
      name: 'bolt_keys',
      help: 'Pooled API keys by provider, status (active, disabled) and circuit (closed, open, half_open)',
      labelNames: ['provider', 'status', 'circuit'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await db
          .selectFrom('api_keys')
          .select(['service', 'status', 'circuit', sql<number>`count(*)`.as('n')])
          .groupBy(['service', 'status', 'circuit'])
          .execute();
        this.reset();
        for (const r of rows) this.set({ provider: r.service, status: r.status, circuit: r.circuit }, Number(r.n));
      },
    });
    new Gauge({
      name: 'bolt_jobs_waiting_for_key',
      help: 'Jobs whose provider call waits for a key with room, by provider',
      labelNames: ['provider'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await db.selectFrom('quota_waits').select(['service', sql<number>`count(*)`.as('n')]).groupBy('service').execute();
        this.reset();
        for (const r of rows) this.set({ provider: r.service }, Number(r.n));
      },
    });
    return this;
  }

  /** The exposition text and its content type, for a /metrics answer. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
