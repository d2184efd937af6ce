// OpenTelemetry traces: an OTLP/HTTP exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set, nothing otherwise.
// Spans are made through @opentelemetry/api, whose tracer is a no-op until a provider is registered,
// so the code that makes spans costs next to nothing when tracing is off.
import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** A registered tracer provider: what the Temporal interceptors need, and how to flush at exit. */
export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/**
 * Registers the process's tracer provider (global: the Temporal interceptors and our spans use it),
 * exporting to `<endpoint>/v1/traces` as the OTLP specification says for the generic endpoint.
 * Returns undefined, registering nothing, without an endpoint. Once per process.
 */
export function startTracing(o: { endpoint?: string; serviceName: string }): Tracing | undefined {
  if (!o.endpoint) return undefined;
  if (active) return active;
  const resource = new Resource({ 'service.name': o.serviceName });
  const url = `${o.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Also installs the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  active = { resource, spanProcessor, shutdown: () => provider.shutdown() };
  return active;
}

/** The tracer of Bolt IA's own spans. */
export const boltTracer = () => trace.getTracer('bolt-ia');

/**
 * Runs `fn` inside a client span (a call to another service); errors mark the span and pass through.
 * The span keeps the error's code or name, never its message: provider messages may quote a request URL.
 */
export function inClientSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return boltTracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : err instanceof Error ? err.name : 'error' });
      throw err;
    } finally {
      span.end();
    }
  });
}
