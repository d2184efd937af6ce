// One call to Google as operators see it: a client span (no key, no message), a count by provider,
// outcome and HTTP status, and its latency. The key pool wraps each call on a leased key with it.
import type { Attributes } from '@opentelemetry/api';
import { BoltError } from '../domain/errors';
import type { BoltMetrics, ProviderCallOutcome } from './metrics';
import { inClientSpan } from './tracing';

export interface ObservedCall {
  provider: 'gemini' | 'tts';
  /** Span attributes: stage, key id, job. */
  attributes: Attributes;
  /** The `outcome` label of a call that threw. */
  outcomeOf: (err: unknown) => ProviderCallOutcome;
}

/** Runs `fn` as one observed provider call; its result or error passes through unchanged. */
export function observeProviderCall<T>(metrics: BoltMetrics | undefined, c: ObservedCall, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  return inClientSpan(`${c.provider} call`, { 'bolt.provider': c.provider, ...c.attributes }, async (span) => {
    let outcome: ProviderCallOutcome = 'success';
    let status = '200';
    try {
      return await fn();
    } catch (err) {
      outcome = c.outcomeOf(err);
      const s = err instanceof BoltError ? (err.options as { status?: unknown }).status : undefined;
      status = typeof s === 'number' ? String(s) : 'none';
      throw err;
    } finally {
      span.setAttributes({ 'bolt.outcome': outcome, 'bolt.http_status': status });
      metrics?.providerCalls.inc({ provider: c.provider, outcome, status });
      metrics?.providerLatency.observe({ provider: c.provider, outcome }, (performance.now() - started) / 1000);
    }
  });
}
