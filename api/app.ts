// The Express app: a thin REST layer that authenticates, validates input, writes rows, starts workflows
// and reads state. Every route is declared through `route()` so it is also in the OpenAPI document.
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { sql } from 'kysely';
import { z } from 'zod';
import { agentRoutes } from './agent-routes';
import { loadCatalog } from '../adapters/catalog-files';
import { asLog } from '../adapters/logger';
import { BoltMetrics } from '../adapters/metrics';
import { S3Storage } from '../adapters/storage';
import { DestinationGuard } from '../adapters/webhook-net';
import { loadConfig } from '../domain/config';
import { createCatalogRouter, estimateRoute } from './catalog-routes';
import { BatchEstimator } from './estimator';
import { LanguagesQuery, VoicesQuery } from './catalog-schemas';
import { authRoutes } from './auth-routes';
import { batchRoutes } from './batch-routes';
import { sessionRoutes } from './session-routes';
import { refuseUnstorableText } from './text-guard';
import { errorHandler, notFound } from './errors';
import { exportRoutes } from './export-routes';
import { keyRoutes } from './key-routes';
import { route, type Api, type ApiDeps } from './http';
import { LinkSigner } from './links';
import { ApiRegistry, DOCS_PAGE, DOCS_SCRIPT, type RouteDoc } from './openapi';
import { requestLogging, requestMetrics, requestTracing } from './observability';
import { matrixRoutes } from './matrix-routes';
import { ProgressHub, progressRoutes } from './progress';
import { userLimitRoutes } from './user-limit-routes';
import { voiceRoutes } from './voice-routes';
import { serveWeb } from './web';

export type { ApiDeps } from './http';
export { batchView } from './batch-routes';

/** The app, with the parts tests and the stack may want to reach. */
export interface BoltApp extends express.Express {
  locals: express.Express['locals'] & { registry: ApiRegistry; progress: ProgressHub };
}

/** CORS for the configured origins only; without any, browsers may call the API from its own origin only. */
function cors(origins: string[]): RequestHandler {
  const any = origins.includes('*');
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && (any || origins.includes(origin))) {
      res.set({
        'Access-Control-Allow-Origin': any ? '*' : origin,
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key',
        'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
        'Access-Control-Max-Age': '600',
      });
      if (!any) res.vary('Origin');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/** Where the page may load audio from: itself, blobs, and the S3 endpoint presigned links point at. */
function mediaSources(storage: ApiDeps['storage']): string[] {
  const sources = ["'self'", 'blob:'];
  if (storage instanceof S3Storage) sources.push(storage.options.endpoint ? new URL(storage.options.endpoint).origin : 'https://*.amazonaws.com');
  return sources;
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

export function createApp(deps: ApiDeps): BoltApp {
  const app = express() as BoltApp;
  app.disable('x-powered-by');
  // A bare app (tests, embedders) gets its own metrics; the stack passes the process's.
  const metrics = deps.metrics ?? new BoltMetrics({ processMetrics: false }).watchDatabase(deps.db);
  deps = { ...deps, log: asLog(deps.log), metrics };
  app.use(requestLogging(asLog(deps.log)));
  if (deps.tracing) app.use(requestTracing());
  app.use(requestMetrics(metrics));
  // Behind a reverse proxy, req.ip is the client only when the proxy's hops are trusted (BOLT_TRUST_PROXY).
  app.set('trust proxy', deps.trustProxy ?? loadConfig().trustProxy);
  // helmet's policy, plus the audio the page plays: previews it fetched with its token (blob:) and job audio
  // through presigned links when outputs are in S3.
  app.use(helmet({ contentSecurityPolicy: { directives: { 'media-src': mediaSources(deps.storage) } } }));
  app.use(cors(deps.corsOrigins ?? []));
  app.use(express.json({ limit: '1mb' }));
  app.use(refuseUnstorableText);

  const registry = new ApiRegistry();
  // The stack passes the catalog and model it loaded; apps built bare (tests) read the configuration.
  const { catalog, prices } = deps.catalog ?? loadCatalog(loadConfig().catalog);
  const estimator = new BatchEstimator(deps.db, catalog, prices, deps.geminiModel ?? loadConfig().gemini.model);
  const webhookGuard = deps.webhookGuard ?? new DestinationGuard({ policy: loadConfig().webhooks });
  const api: Api = { router: express.Router(), registry, deps, estimator, webhookGuard };
  const progress = new ProgressHub(deps.db, deps.log, deps.progressPollMs ?? 500);
  const links = new LinkSigner(deps.storage, deps.urlSigningSecret);
  app.locals.registry = registry;
  app.locals.progress = progress;

  route(api, { method: 'get', path: '/healthz', tag: 'health', auth: false, summary: 'Liveness: the process answers', responses: { 200: { description: 'alive', schema: z.object({ ok: z.literal(true) }) } } }, ({ res }) => {
    res.json({ ok: true });
  });

  route(
    api,
    {
      method: 'get',
      path: '/readyz',
      tag: 'health',
      auth: false,
      summary: 'Readiness: PostgreSQL and Temporal are reachable',
      responses: { 200: { description: 'ready' }, 503: { description: 'a dependency is unreachable; `failing` names it (the driver error is logged, not returned)' } },
    },
    async ({ res }) => {
      // The driver's error text (host names, ports, user names) goes to the log only; the answer names the dependency.
      const check = async (name: string, fn: () => Promise<unknown>) =>
        withTimeout(fn(), 3000).then(
          () => 'ok' as const,
          (err: unknown) => {
            deps.log(`readyz: ${name} unreachable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
            return 'unreachable' as const;
          },
        );
      const [postgres, temporal] = await Promise.all([
        check('postgres', () => sql`select 1`.execute(deps.db)),
        check('temporal', () => deps.temporal.workflowService.getSystemInfo({})),
      ]);
      const ok = postgres === 'ok' && temporal === 'ok';
      const failing = Object.entries({ postgres, temporal }).filter(([, v]) => v !== 'ok').map(([k]) => k);
      if (!ok) {
        res.status(503).json({ ok, checks: { postgres, temporal }, failing, message: `not ready: ${failing.join(' and ')} unreachable` });
        return;
      }
      res.status(ok ? 200 : 503).json({ ok, checks: { postgres, temporal } });
    },
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/status',
      tag: 'health',
      auth: false,
      summary: 'Which providers are real and which simulated',
      responses: { 200: { description: 'providers', schema: z.object({ providers: z.object({ gemini: z.enum(['google', 'simulator']), tts: z.enum(['google', 'simulator']) }) }) } },
    },
    ({ res }) => {
      res.json({ providers: deps.providers });
    },
  );

  route(
    api,
    { method: 'get', path: '/metrics', tag: 'health', auth: false, summary: 'Prometheus metrics of this process (batches, keys, jobs, provider calls, spend, HTTP)', responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } } },
    async ({ res }) => {
      const { contentType, body } = await metrics.scrape();
      res.type(contentType).send(body);
    },
  );

  authRoutes(api);
  sessionRoutes(api);
  agentRoutes(api);
  batchRoutes(api, links);
  progressRoutes(api, progress);
  matrixRoutes(api);
  exportRoutes(api);
  keyRoutes(api);
  voiceRoutes(api);
  userLimitRoutes(api);
  estimateRoute(api);

  route(api, { method: 'get', path: '/api/openapi.json', tag: 'docs', auth: false, summary: 'This OpenAPI 3.1 document', responses: { 200: { description: 'the document' } } }, ({ res }) => {
    res.json(document());
  });
  route(api, { method: 'get', path: '/api/docs', tag: 'docs', auth: false, summary: 'A page that lists every operation', responses: { 200: { description: 'HTML', contentType: 'text/html' } } }, ({ res }) => {
    res.type('html').send(DOCS_PAGE);
  });
  route(api, { method: 'get', path: '/api/docs.js', tag: 'docs', auth: false, summary: "The docs page's script", responses: { 200: { description: 'JavaScript', contentType: 'text/javascript' } } }, ({ res }) => {
    res.type('text/javascript').send(DOCS_SCRIPT);
  });
  let doc: Record<string, unknown> | undefined;
  const document = () => (doc ??= registry.document({ title: 'Bolt IA API', version: '1', description: 'Scripts by Gemini and narration by Google TTS, at batch scale.' }));

  // The catalog routes are a plain router (public data, no token); declared here for the document.
  const catalogDocs: RouteDoc[] = [
    { method: 'get', path: '/api/languages', tag: 'catalog', auth: false, summary: 'Every language with voices, with its name and voice count', query: LanguagesQuery, responses: { 200: { description: 'languages' } } },
    { method: 'get', path: '/api/voices', tag: 'catalog', auth: false, summary: 'Voices, filtered by language (pt-BR or pt), family, Gemini-TTS model and gender', query: VoicesQuery, responses: { 200: { description: 'voices' } } },
  ];
  for (const d of catalogDocs) registry.add(d);

  app.use(api.router);
  app.use(createCatalogRouter(estimator));
  if (deps.webDir !== null) serveWeb(app, deps.webDir);
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
