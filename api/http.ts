// How a route is declared: its zod schemas validate the request, its bearer token names the user, and
// the same declaration feeds the OpenAPI document, so the two cannot drift apart.
import type { Client } from '@temporalio/client';
import type { Request, Response, Router } from 'express';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { BoltMetrics } from '../adapters/metrics';
import { withLogContext } from '../adapters/logger';
import type { ObjectStorage } from '../adapters/storage';
import type { DestinationGuard } from '../adapters/webhook-net';
import type { Database, User } from '../db/schema';
import type { PriceTable, VoiceCatalog } from '../domain/catalog';
import type { Config } from '../domain/config';
import type { LoginLimits } from '../domain/login-throttle';
import { authenticateToken } from '../db/users';
import type { CheckCountsCache } from './check-counts';
import { ApiError, ApiErrorCode } from './errors';
import { checkParams } from './text-guard';
import type { BatchEstimator } from './estimator';
import type { ApiRegistry, RouteDoc } from './openapi';
import { IdParam } from './schemas';

/** The settings the API reads from the configuration (domain/config.ts), which only its entry point loads. */
export type ApiConfig = Pick<Config, 'catalog' | 'maxJobsPerBatch' | 'webhooks' | 'trustProxy'> & { gemini: Pick<Config['gemini'], 'model'> };

/** What the API needs from the rest of the system. */
export interface ApiDeps {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
  /** Where outputs are, to stream them and sign links to them. */
  storage: ObjectStorage;
  /** Providers in use, shown to users so simulated output is never mistaken for real. */
  providers: { gemini: 'google' | 'simulator'; tts: 'google' | 'simulator' };
  /** The process's logger (adapters/logger.ts); a plain callback receives each JSON line. */
  log: (line: string) => void;
  /**
   * Catalog files, most jobs per batch (BOLT_MAX_JOBS_PER_BATCH), webhook policy, Express `trust proxy`
   * (BOLT_TRUST_PROXY) and the Gemini model the workers write with (estimates and script-cache lookups).
   */
  config: ApiConfig;
  /** The process's metrics, served at /metrics with request durations by route. @default the app's own */
  metrics?: BoltMetrics;
  /** A server span per request (tracing is on in this process). @default false */
  tracing?: boolean;
  /** Origins allowed by CORS; empty means none (same-origin only), `*` any. @default [] */
  corsOrigins?: string[];
  /** Secret for expiring links to local-folder outputs. @default random per process */
  urlSigningSecret?: string;
  /** Login throttling. @default DEFAULT_LOGIN_LIMITS (5 free attempts per email and client, then a doubling delay) */
  loginLimits?: LoginLimits;
  /** How often the progress stream reads PostgreSQL, in ms. @default 500 */
  progressPollMs?: number;
  /** Voice catalog and prices. @default loaded from the files `config.catalog` names (the shipped ones) */
  catalog?: { catalog: VoiceCatalog; prices: PriceTable };
  /** The built page to serve at `/`; `null` serves none. @default web/dist (when built) */
  webDir?: string | null;
  /** Checks webhook destinations when a batch is created. @default `config.webhooks`, system DNS */
  webhookGuard?: DestinationGuard;
  /** The public key webhook secrets are sealed to. @default the one workers published in PostgreSQL */
  webhookSealingKey?: () => Promise<{ keyId: string; publicKey: Buffer } | undefined>;
}

/** The authenticated caller. */
export interface AuthUser {
  id: string;
  email: string;
  role: User['role'];
  /** The token this request came with (so logout can revoke exactly it). */
  tokenId: string;
}

/** The pieces every route module is built from. */
export interface Api {
  router: Router;
  registry: ApiRegistry;
  deps: ApiDeps;
  /** Estimates and catalog checks, shared by the catalog and batch routes. */
  estimator: BatchEstimator;
  webhookGuard: DestinationGuard;
  /** Script-check counts of running batches, read at most every few seconds. */
  checkCounts: CheckCountsCache;
}

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

/** What a handler receives: the validated request parts and the caller. */
export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  /** The caller; only routes declared with `auth: false` run without one (and must not read it). */
  user: AuthUser;
}

/** What the handler of a route declared with these schemas receives (for handlers written as named functions). */
export type HandlerContext<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined> = RouteContext<Infer<P>, Infer<Q>, Infer<B>>;

const BEARER = /^Bearer\s+([A-Za-z0-9_-]{10,256})$/;

/** Resolves the request's bearer token to its user, or throws 401. */
export async function authenticate(db: Kysely<Database>, req: Request): Promise<AuthUser> {
  const header = req.get('authorization');
  if (!header) throw new ApiError(401, ApiErrorCode.unauthorized, 'a bearer token is required (Authorization: Bearer <token>)');
  const m = BEARER.exec(header);
  const found = m ? await authenticateToken(db, m[1]!) : undefined;
  if (!found) throw new ApiError(401, ApiErrorCode.unauthorized, 'the token is unknown, revoked or expired');
  return { id: found.user.id, email: found.user.email, role: found.user.role, tokenId: found.tokenId };
}

/**
 * Declares a route: registers it with Express and with the OpenAPI registry. Path parameters that
 * fail their schema answer 404 (a malformed id names nothing); query and body failures answer 400.
 */
export function route<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  api: Api,
  doc: Omit<RouteDoc, 'params' | 'query' | 'body'> & { params?: P; query?: Q; body?: B; notFoundMessage?: string },
  handler: (ctx: RouteContext<Infer<P>, Infer<Q>, Infer<B>>) => Promise<void> | void,
): void {
  const { notFoundMessage, ...rest } = doc;
  api.registry.add(rest);
  api.router[doc.method](doc.path, async (req: Request, res: Response) => {
    const user = doc.auth === false ? (undefined as unknown as AuthUser) : await authenticate(api.deps.db, req);
    let params: unknown;
    checkParams(req.params as Record<string, string>);
    if (doc.params) {
      const parsed = doc.params.safeParse(req.params);
      if (!parsed.success) throw new ApiError(404, ApiErrorCode.notFound, notFoundMessage ?? 'not found');
      params = parsed.data;
    }
    const query = doc.query ? doc.query.parse(req.query) : undefined;
    const body = doc.body ? doc.body.parse(req.body) : undefined;
    const run = () => handler({ req, res, params: params as Infer<P>, query: query as Infer<Q>, body: body as Infer<B>, user });
    const about = subjectOf(doc.path, params);
    await (about ? withLogContext(about, run) : run());
  });
}

/** The batch or job a route is about, for the lines logged while serving it. */
function subjectOf(path: string, params: unknown): { batchId: string } | { jobId: string } | undefined {
  const id = (params as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') return undefined;
  if (path.startsWith('/api/batches/:id')) return { batchId: id };
  if (path.startsWith('/api/jobs/:id')) return { jobId: id };
  return undefined;
}

/** Admin-only guard. */
export function requireAdmin(user: AuthUser): void {
  if (user.role !== 'admin') throw new ApiError(403, ApiErrorCode.forbidden, 'only admins may do this');
}

/**
 * Declares DELETE `path`, whose `:id` names one of the caller's things: 204 when `remove` found one to
 * remove (or revoke, or end), else 404 `not_found` "no such <what>".
 */
export function removalRoute(api: Api, doc: { path: string; tag: string; summary: string; what: string; removed: string }, remove: (user: AuthUser, id: string) => Promise<boolean>): void {
  const message = `no such ${doc.what}`;
  const responses = { 204: { description: doc.removed }, 404: { description: `${message} of yours` } };
  route(api, { method: 'delete', path: doc.path, tag: doc.tag, summary: doc.summary, params: IdParam, notFoundMessage: message, responses }, async ({ res, params, user }) => {
    if (!(await remove(user, params.id))) throw new ApiError(404, ApiErrorCode.notFound, message);
    res.status(204).end();
  });
}
