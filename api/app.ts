// The Express app: a thin REST layer that authenticates, validates input, writes rows, starts workflows
// and reads state. Every route is declared through `route()` so it is also in the OpenAPI document.
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { agentRoutes } from './agent-routes';
import { loadCatalog } from '../adapters/catalog-files';
import { asLog } from '../adapters/logger';
import { BoltMetrics } from '../adapters/metrics';
import { S3Storage } from '../adapters/storage';
import { DestinationGuard } from '../adapters/webhook-net';
import { createCatalogRouter, estimateRoute } from './catalog-routes';
import { CheckCountsCache } from './check-counts';
import { BatchEstimator } from './estimator';
import { LanguagesQuery, VoicesQuery } from './catalog-schemas';
import { authRoutes } from './auth-routes';
import { batchRoutes } from './batch-routes';
import { fileRoutes } from './file-routes';
import { healthRoutes } from './health-routes';
import { jobRoutes } from './job-routes';
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
export { batchView } from './batch-views';

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

/** Security headers, CORS, body parsing and the request's log line, metrics and trace, before any route. */
function useMiddleware(app: BoltApp, deps: ApiDeps, metrics: BoltMetrics): void {
  app.disable('x-powered-by');
  app.use(requestLogging(asLog(deps.log)));
  if (deps.tracing) app.use(requestTracing());
  app.use(requestMetrics(metrics));
  // Behind a reverse proxy, req.ip is the client only when the proxy's hops are trusted (BOLT_TRUST_PROXY).
  app.set('trust proxy', deps.config.trustProxy);
  // helmet's policy, plus the audio the page plays: previews it fetched with its token (blob:) and job audio
  // through presigned links when outputs are in S3.
  app.use(helmet({ contentSecurityPolicy: { directives: { 'media-src': mediaSources(deps.storage) } } }));
  app.use(cors(deps.corsOrigins ?? []));
  app.use(express.json({ limit: '1mb' }));
  app.use(refuseUnstorableText);
}

/** The OpenAPI document, the page that lists every operation, and its script. */
function docsRoutes(api: Api): void {
  const { registry } = api;
  const open = { method: 'get', tag: 'docs', auth: false } as const;
  let doc: Record<string, unknown> | undefined;
  const document = () => (doc ??= registry.document({ title: 'Bolt IA API', version: '1', description: 'Scripts by Gemini and narration by Google TTS, at batch scale.' }));
  route(api, { ...open, path: '/api/openapi.json', summary: 'This OpenAPI 3.1 document', responses: { 200: { description: 'the document' } } }, ({ res }) => {
    res.json(document());
  });
  route(api, { ...open, path: '/api/docs', summary: 'A page that lists every operation', responses: { 200: { description: 'HTML', contentType: 'text/html' } } }, ({ res }) => {
    res.type('html').send(DOCS_PAGE);
  });
  route(api, { ...open, path: '/api/docs.js', summary: "The docs page's script", responses: { 200: { description: 'JavaScript', contentType: 'text/javascript' } } }, ({ res }) => {
    res.type('text/javascript').send(DOCS_SCRIPT);
  });
  // The catalog routes are a plain router (public data, no token); declared here for the document.
  const catalogDocs: RouteDoc[] = [
    { method: 'get', path: '/api/languages', tag: 'catalog', auth: false, summary: 'Every language with voices, with its name and voice count', query: LanguagesQuery, responses: { 200: { description: 'languages' } } },
    { method: 'get', path: '/api/voices', tag: 'catalog', auth: false, summary: 'Voices, filtered by language (pt-BR or pt), family, Gemini-TTS model and gender', query: VoicesQuery, responses: { 200: { description: 'voices' } } },
  ];
  for (const d of catalogDocs) registry.add(d);
}

/** The pieces every route module is built from; what the caller did not pass is made from `deps.config`. */
function apiOf(deps: ApiDeps): Api {
  const { catalog, prices } = deps.catalog ?? loadCatalog(deps.config.catalog);
  const estimator = new BatchEstimator(deps.db, catalog, prices, deps.config.gemini.model);
  const webhookGuard = deps.webhookGuard ?? new DestinationGuard({ policy: deps.config.webhooks });
  return { router: express.Router(), registry: new ApiRegistry(), deps, estimator, webhookGuard, checkCounts: new CheckCountsCache(deps.db) };
}

export function createApp(deps: ApiDeps): BoltApp {
  const app = express() as BoltApp;
  // A bare app (tests, embedders) gets its own metrics; the stack passes the process's.
  const metrics = deps.metrics ?? new BoltMetrics({ processMetrics: false }).watchDatabase(deps.db);
  deps = { ...deps, log: asLog(deps.log), metrics };
  useMiddleware(app, deps, metrics);
  const api = apiOf(deps);
  const progress = new ProgressHub(deps.db, deps.log, deps.progressPollMs ?? 500);
  const links = new LinkSigner(deps.storage, deps.urlSigningSecret);
  app.locals.registry = api.registry;
  app.locals.progress = progress;

  healthRoutes(api, metrics);
  authRoutes(api);
  sessionRoutes(api);
  agentRoutes(api);
  batchRoutes(api);
  jobRoutes(api, links);
  fileRoutes(api, links);
  progressRoutes(api, progress);
  matrixRoutes(api);
  exportRoutes(api);
  keyRoutes(api);
  voiceRoutes(api);
  userLimitRoutes(api);
  estimateRoute(api);
  docsRoutes(api);

  app.use(api.router);
  app.use(createCatalogRouter(api.estimator));
  if (deps.webDir !== null) serveWeb(app, deps.webDir);
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
