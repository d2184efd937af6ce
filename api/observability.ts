// What the API adds to every request: a request id (taken from `x-request-id` when sane, returned in
// it always) on every line logged while serving it, one pino-http line per request, its duration by
// route pattern for /metrics, and a server span that the workflows it starts continue.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import { withLogContext, type Log } from '../adapters/logger';
import type { BoltMetrics } from '../adapters/metrics';
import { boltTracer } from '../adapters/tracing';

/** A client's request id is kept when it is a short token; anything else is replaced. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Probes and scrapes are answered, with a request id, but not logged. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0]!;

/** The route pattern that served a request (`/api/batches/:id`), never the raw path (unbounded label values). */
export function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}

/**
 * Request ids and request logs. The log line has method, path (no query: signed links carry their
 * signature there), status and time, never headers, so no bearer token can reach it.
 */
export function requestLogging(log: Log): RequestHandler {
  const http = pinoHttp({
    logger: log.pino.child({ component: 'http' }),
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    // The id goes into the line's own fields (not a child binding), so the request context's `reqId` merges with it.
    customSuccessObject: (req: IncomingMessage, _res: ServerResponse, val: Record<string, unknown>) => ({ ...val, reqId: req.id }),
    customErrorObject: (req: IncomingMessage, _res: ServerResponse, _err: Error, val: Record<string, unknown>) => ({ ...val, reqId: req.id }),
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has(pathOf(req.url)) },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      req: (r: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) => ({ id: r.id, method: r.method, path: pathOf(r.url), remoteAddress: r.remoteAddress }),
      res: (r: { statusCode?: number }) => ({ statusCode: r.statusCode }),
    },
  });
  return (req, res, next) => {
    http(req, res, () => withLogContext({ reqId: String(req.id) }, next));
  };
}

/** Observes each request's duration by method, route pattern and status when its answer is sent. */
export function requestMetrics(metrics: BoltMetrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      metrics.httpDuration.observe({ method: req.method, route: routeOf(req), status: String(res.statusCode) }, (performance.now() - started) / 1000);
    });
    next();
  };
}

/**
 * A server span per request, continuing a caller's `traceparent`; the handler runs in its context, so
 * the Temporal client interceptor carries it into the workflows the request starts.
 */
export function requestTracing(): RequestHandler {
  return (req: Request, res: Response, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = boltTracer().startSpan(`${req.method} ${pathOf(req.originalUrl)}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
    if (req.id !== undefined) span.setAttribute('bolt.request_id', String(req.id));
    res.once('finish', () => {
      const route = routeOf(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
