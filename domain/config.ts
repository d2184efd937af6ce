// The one place that reads the environment: parsed and validated with zod, once, at start.
import path from 'node:path';
import { z } from 'zod';
import { parseMasterKey, type MasterKey } from './crypto';
import { parseAllowList, type DestinationPolicy } from './destinations';

const emptyAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const port = (fallback: number) => z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(fallback));

const EnvSchema = z.object({
  PORT: port(3000),
  BOLT_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./.bolt')),
  DATABASE_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.preprocess(emptyAsUndefined, z.string().default('default')),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_DEV_METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(65535).optional()),
  TEMPORAL_TASK_QUEUE: z.preprocess(emptyAsUndefined, z.string().default('bolt')),
  S3_ENDPOINT: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  S3_BUCKET: optionalString,
  S3_REGION: optionalString,
  AWS_REGION: optionalString,
  S3_FORCE_PATH_STYLE: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('true')),
  GEMINI_API_KEY: optionalString,
  GEMINI_MODEL: z.preprocess(emptyAsUndefined, z.string().default('gemini-2.5-flash')),
  GEMINI_BASE_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  GOOGLE_TTS_API_KEY: optionalString,
  TTS_BASE_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  BOLT_SIMULATOR_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  BOLT_VOICES_PATH: optionalString,
  BOLT_PRICES_PATH: optionalString,
  BOLT_MASTER_KEY: z.preprocess(
    emptyAsUndefined,
    z.string().refine((v) => /^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/.test(v.trim()), '32 bytes as 64 hex characters or base64 (the value is not shown)').optional(),
  ),
  BOLT_LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['debug', 'info', 'warn', 'error']).default('info')),
  BOLT_ADMIN_EMAIL: z.preprocess(emptyAsUndefined, z.string().email().optional()),
  BOLT_ADMIN_PASSWORD: z.preprocess(emptyAsUndefined, z.string().min(8, 'at least 8 characters').optional()),
  BOLT_CORS_ORIGINS: optionalString,
  BOLT_URL_SIGNING_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, 'at least 32 characters').optional()),
  BOLT_METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).optional()),
  BOLT_TEMPORAL_METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).optional()),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  OTEL_SERVICE_NAME: optionalString,
  BOLT_MAX_JOBS_PER_BATCH: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1_000_000).default(20_000)),
  BOLT_WEBHOOK_ALLOW_PRIVATE: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('false')),
  BOLT_WEBHOOK_ALLOW_HOSTS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .superRefine((v, ctx) => {
        try {
          parseAllowList(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        }
      })
      .optional(),
  ),
  BOLT_TRUST_PROXY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^(true|false|\d{1,2}|[0-9a-fA-F.:/,\sa-z]+)$/, 'true, false, a number of proxies, or addresses/subnets (loopback, 10.0.0.0/8, …)')
      .default('false'),
  ),
  BOLT_SHUTDOWN_GRACE: z.preprocess(emptyAsUndefined, z.coerce.number().min(0).max(3600).default(60)),
  BOLT_GEMINI_SLOTS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1000).default(64)),
  BOLT_TTS_SLOTS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1000).default(32)),
  BOLT_WORKFLOW_BUNDLE: optionalString,
  BOLT_PG_TOOLS_DIR: optionalString,
  TEMPORAL_TLS: z.preprocess(emptyAsUndefined, z.enum(['true', 'false', '1', '0']).optional()),
});

/**
 * Variables `@temporalio/envconfig` reads (the `temporal` CLI's own): the connection's address, namespace,
 * API key, TLS files, profile and config file, plus what locates the default config file.
 */
const TEMPORAL_ENVCONFIG = /^(TEMPORAL_(ADDRESS|NAMESPACE|API_KEY|TLS.*|PROFILE|CONFIG_FILE|GRPC_META_.+)|HOME|XDG_CONFIG_HOME|APPDATA)$/;

/** Validated configuration of one Bolt IA process. */
export interface Config {
  port: number;
  dataDir: string;
  databaseUrl?: string;
  temporal: {
    address?: string;
    namespace: string;
    cliPath?: string;
    port: number;
    uiPort: number;
    /** Prometheus metrics of the dev server we start, on this port; off when unset. */
    metricsPort?: number;
    taskQueue: string;
    /** What Temporal's envconfig reads (TEMPORAL_* connection variables, HOME for the config file). */
    connectionEnv: Record<string, string>;
  };
  /** S3 settings when S3 is configured; otherwise outputs go to a local folder in the data directory. */
  s3?: { endpoint?: string; bucket: string; region: string; forcePathStyle: boolean };
  gemini: { apiKey?: string; model: string; baseUrl?: string };
  tts: { apiKey?: string; baseUrl?: string };
  /** Simulators already running elsewhere (another process's); started in-process when absent. */
  simulatorUrl?: string;
  /** Data files that replace the shipped voice catalog and price table (catalog/*.json). */
  catalog: { voicesPath?: string; pricesPath?: string };
  /** Master key that seals the pooled API keys; the embedded default keeps one in `<dataDir>/master.key`. */
  masterKey?: MasterKey;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The first admin, created on first start when there is no user (a password is generated when unset). */
  admin: { email?: string; password?: string };
  /** Origins allowed by CORS (`*` for any); none by default, so browsers only reach the API from its own page. */
  corsOrigins: string[];
  /** Secret that signs expiring download links of local-folder outputs; random per process when unset. */
  urlSigningSecret?: string;
  observability: {
    /** Port of a worker's /metrics, /healthz and /readyz; 0 turns it off. Unset: 9464 for `npm run worker`, off in `npm start`. */
    metricsPort?: number;
    /** Port of the Temporal SDK's own Prometheus exporter; unset or 0: off. */
    temporalMetricsPort?: number;
    /** OTLP/HTTP endpoint of a trace collector (`/v1/traces` is appended); traces are off when unset. */
    otlpEndpoint?: string;
    /** service.name of exported spans. @default 'bolt-api' or 'bolt-worker' */
    serviceName?: string;
  };
  /** Most jobs one batch may have; a bigger request is refused before anything is written. @default 20000 */
  maxJobsPerBatch: number;
  /** Where completion webhooks may go besides public addresses (see domain/destinations.ts). */
  webhooks: DestinationPolicy;
  /** Express `trust proxy`: which hops' X-Forwarded-For to believe for the client address. @default false */
  trustProxy: boolean | number | string[];
  /** Seconds a stopping worker lets running activities finish before it cancels them. @default 60 */
  shutdownGraceSeconds: number;
  /** Concurrent Gemini and TTS activities per worker process (calls in flight, most of their time waiting on Google). */
  providerSlots: { gemini: number; tts: number };
  /** Where `pg_dump`/`pg_restore` of the embedded server's version are (scripts/install-tools.sh puts them there). */
  pgToolsDir: string;
  /** A pre-built workflow bundle (`npm run build:server` writes one); bundled at start when unset. */
  workflowBundlePath?: string;
}

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses an environment into a {@link Config}. Only entry points (API, worker, stack, CLIs) call it, with
 * `process.env`; everything below receives the parts of the Config it needs.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.S3_ENDPOINT && !e.S3_BUCKET) throw new ConfigError('invalid environment:\n  S3_BUCKET: required when S3_ENDPOINT is set');
  return {
    port: e.PORT,
    dataDir: path.resolve(e.BOLT_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      cliPath: e.TEMPORAL_CLI_PATH,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      ...(e.TEMPORAL_DEV_METRICS_PORT ? { metricsPort: e.TEMPORAL_DEV_METRICS_PORT } : {}),
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      connectionEnv: Object.fromEntries(Object.entries(env).filter((kv): kv is [string, string] => TEMPORAL_ENVCONFIG.test(kv[0]) && typeof kv[1] === 'string' && kv[1] !== '')),
    },
    s3: e.S3_BUCKET
      ? { endpoint: e.S3_ENDPOINT, bucket: e.S3_BUCKET, region: e.S3_REGION ?? e.AWS_REGION ?? 'us-east-1', forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true' }
      : undefined,
    gemini: { apiKey: e.GEMINI_API_KEY, model: e.GEMINI_MODEL, baseUrl: e.GEMINI_BASE_URL },
    tts: { apiKey: e.GOOGLE_TTS_API_KEY, baseUrl: e.TTS_BASE_URL },
    simulatorUrl: e.BOLT_SIMULATOR_URL,
    catalog: {
      voicesPath: e.BOLT_VOICES_PATH ? path.resolve(e.BOLT_VOICES_PATH) : undefined,
      pricesPath: e.BOLT_PRICES_PATH ? path.resolve(e.BOLT_PRICES_PATH) : undefined,
    },
    masterKey: e.BOLT_MASTER_KEY ? parseMasterKey(e.BOLT_MASTER_KEY) : undefined,
    logLevel: e.BOLT_LOG_LEVEL,
    admin: { email: e.BOLT_ADMIN_EMAIL, password: e.BOLT_ADMIN_PASSWORD },
    corsOrigins: (e.BOLT_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    urlSigningSecret: e.BOLT_URL_SIGNING_SECRET,
    observability: {
      metricsPort: e.BOLT_METRICS_PORT,
      temporalMetricsPort: e.BOLT_TEMPORAL_METRICS_PORT || undefined,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: e.OTEL_SERVICE_NAME,
    },
    maxJobsPerBatch: e.BOLT_MAX_JOBS_PER_BATCH,
    webhooks: { allowPrivate: e.BOLT_WEBHOOK_ALLOW_PRIVATE === 'true', allowHosts: parseAllowList(e.BOLT_WEBHOOK_ALLOW_HOSTS ?? '') },
    trustProxy: parseTrustProxy(e.BOLT_TRUST_PROXY),
    shutdownGraceSeconds: e.BOLT_SHUTDOWN_GRACE,
    providerSlots: { gemini: e.BOLT_GEMINI_SLOTS, tts: e.BOLT_TTS_SLOTS },
    pgToolsDir: path.resolve(e.BOLT_PG_TOOLS_DIR ?? path.join(env.HOME ?? path.resolve(e.BOLT_DATA_DIR), '.cache', 'bolt', 'pgtools-18.6.3')),
    workflowBundlePath: e.BOLT_WORKFLOW_BUNDLE ? path.resolve(e.BOLT_WORKFLOW_BUNDLE) : undefined,
  };
}

/** `true`/`false`, a hop count, or a list of trusted proxy addresses and subnets, as Express takes them. */
function parseTrustProxy(v: string): boolean | number | string[] {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
