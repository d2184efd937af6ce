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

  readonly httpDuration = this.histogram('bolt_http_request_duration_seconds', 'HTTP requests served by the API, by method, route pattern and status', ['method', 'route', 'status'], HTTP_BUCKETS);
  readonly stageDuration = this.histogram('bolt_job_stage_duration_seconds', 'Time a job spent in one stage (one activity attempt), by stage and outcome', ['stage', 'outcome'], SLOW_BUCKETS);
  readonly jobsCompleted = this.counter('bolt_jobs_completed_total', 'Jobs that completed');
  readonly jobsFailed = this.counter('bolt_jobs_failed_total', 'Jobs that failed, by error code and stage', ['code', 'stage']);
  readonly providerCalls = this.counter('bolt_provider_calls_total', 'Calls to Gemini and TTS on a pooled key, by provider, outcome and HTTP status', ['provider', 'outcome', 'status']);
  readonly providerLatency = this.histogram(
    'bolt_provider_call_duration_seconds',
    'Latency of calls to Gemini and TTS (a narration is one call of several requests), by provider and outcome',
    ['provider', 'outcome'],
    SLOW_BUCKETS,
  );
  readonly spendUsd = this.counter('bolt_spend_usd_total', 'Money spent on provider calls, in USD, by provider', ['provider']);
  readonly cacheHits = this.counter('bolt_cache_hits_total', 'Work served from the content-addressed cache instead of a paid call, by kind (script, audio)', ['kind']);
  readonly keyWaits = this.counter('bolt_key_waits_total', 'Provider calls that had to wait because no key had room, by provider', ['provider']);
  readonly keyWaitSeconds = this.histogram('bolt_key_wait_seconds', 'Time a provider call waited for a key with room (only calls that waited), by provider', ['provider'], SLOW_BUCKETS);

  constructor(o: { processMetrics?: boolean } = {}) {
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A gauge set at each scrape from rows counted in PostgreSQL: `count` gives each row's labels and number. */
  private countedGauge<L extends string>(name: string, help: string, labelNames: readonly L[], count: () => Promise<Array<[Record<L, string>, number]>>): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const rows = await count();
        this.reset();
        for (const [labels, n] of rows) this.set(labels, n);
      },
    });
  }

  /** Adds gauges read from PostgreSQL at each scrape: batches by status, keys by state, jobs waiting for a key. */
  watchDatabase(db: Kysely<Database>): this {
    this.countedGauge('bolt_batches', 'Batches by status', ['status'] as const, async () => {
      const rows = await db.selectFrom('batches').select(['status', sql<number>`count(*)`.as('n')]).groupBy('status').execute();
      return rows.map((r) => [{ status: r.status }, Number(r.n)]);
    });
    this.countedGauge('bolt_keys', 'Pooled API keys by provider, status (active, disabled) and circuit (closed, open, half_open)', ['provider', 'status', 'circuit'] as const, async () => {
      const rows = await db
        .selectFrom('api_keys')
        .select(['service', 'status', 'circuit', sql<number>`count(*)`.as('n')])
        .groupBy(['service', 'status', 'circuit'])
        .execute();
      return rows.map((r) => [{ provider: r.service, status: r.status, circuit: r.circuit }, Number(r.n)]);
    });
    this.countedGauge('bolt_jobs_waiting_for_key', 'Jobs whose provider call waits for a key with room, by provider', ['provider'] as const, async () => {
      const rows = await db.selectFrom('quota_waits').select(['service', sql<number>`count(*)`.as('n')]).groupBy('service').execute();
      return rows.map((r) => [{ provider: r.service }, Number(r.n)]);
    });
    return this;
  }

  /** The exposition text and its content type, for a /metrics answer. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
