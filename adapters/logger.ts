// The process's one logger: pino JSON lines (pretty in a terminal), secrets redacted by path, and the
// batch/job/request a line is about added from an async context, so call sites only say what happened.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Fields that say what a line is about; set for the duration of an activity or an HTTP request. */
export interface LogFields {
  batchId?: string;
  jobId?: string;
  workflowId?: string;
  activity?: string;
  attempt?: number;
  reqId?: string;
  [key: string]: unknown;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

type LineFn = (line: string, fields?: Record<string, unknown>) => void;

/**
 * A logger that is also a `(line) => void` function (logging at info), so the code that took a plain
 * `log` callback keeps working; new code can pick a level and add fields.
 */
export interface Log extends LineFn {
  debug: LineFn;
  info: LineFn;
  warn: LineFn;
  error: LineFn;
  child(bindings: Record<string, unknown>): Log;
  readonly pino: Logger;
}

/**
 * Field paths that never reach a line. Free text is kept clean at its source (the key pool scrubs
 * provider errors); these catch a secret passed as a field by mistake.
 */
export const REDACTED_PATHS = [
  'password',
  'token',
  'apiKey',
  'secret',
  'authorization',
  'cookie',
  'taskToken',
  'masterKey',
  'secretAccessKey',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.secret',
  '*.authorization',
  '*.cookie',
  '*.taskToken',
  '*.masterKey',
  '*.secretAccessKey',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-goog-api-key"]',
  'res.headers["set-cookie"]',
];

const context = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` added to every line logged inside it (and in everything it awaits). */
export function withLogContext<T>(fields: LogFields, fn: () => T): T {
  const current = context.getStore();
  return context.run(current ? { ...current, ...fields } : fields, fn);
}

/** The fields of the current context, if any. */
export function currentLogFields(): LogFields | undefined {
  return context.getStore();
}

export interface LoggerOptions {
  level: LogLevel;
  /** `name` field of every line: which process or part wrote it. */
  name: string;
  /** Human-readable lines (pino-pretty) instead of JSON; for a terminal. @default false */
  pretty?: boolean;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

function wrap(p: Logger): Log {
  const at =
    (level: LogLevel): LineFn =>
    (line, fields) =>
      fields ? p[level](fields, line) : p[level](line);
  const log = at('info') as Log;
  log.debug = at('debug');
  log.info = at('info');
  log.warn = at('warn');
  log.error = at('error');
  log.child = (bindings) => wrap(p.child(bindings));
  Object.defineProperty(log, 'pino', { value: p });
  return log;
}

/** Creates the process's logger; entry points call it once and pass the result down. */
export function createLogger(o: LoggerOptions): Log {
  const destination = o.destination ?? (o.pretty ? pretty({ colorize: true, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }) : pino.destination({ dest: 1, sync: true }));
  const p = pino(
    {
      level: o.level,
      base: { name: o.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Read per line: the activity or request the line was written in.
      mixin: () => context.getStore() ?? {},
    },
    destination,
  );
  return wrap(p);
}

/** A logger that drops everything (tests that build parts bare). */
export function silentLogger(): Log {
  return wrap(pino({ level: 'silent' }));
}

const TEMPORAL_LEVELS: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** Temporal's meta fields renamed to ours; the task token is a credential of the activity task and is dropped. */
function temporalFields(meta: LogMetadata | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta ?? {})) {
    if (v === undefined || k === 'taskToken') continue;
    if (k === 'activityType') out.activity = v;
    else if (k === 'error') out.err = v;
    else out[k] = v;
  }
  if (typeof out.workflowId === 'string' && out.batchId === undefined) {
    const ids = idsFromWorkflowId(out.workflowId);
    if (ids.batchId) out.batchId = ids.batchId;
  }
  return out;
}

/** The batch a workflow id is about: `batch-<id>` and `job-<batchId>-<seq>[-a<n>]` (workflows/batch.ts). */
export function idsFromWorkflowId(workflowId: string): { batchId?: string } {
  const m = /^(?:batch|job)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-|$)/i.exec(workflowId);
  return m ? { batchId: m[1] } : {};
}

/**
 * The Temporal SDK's logger (Runtime.install): SDK, core, workflow-sink and activity lines go through
 * the same pino logger, with Temporal's context fields (workflowId, attempt, …) kept as fields.
 */
export function temporalLogger(log: Log): TemporalLogger {
  const p = log.pino.child({ component: 'temporal' });
  const write = (level: TemporalLogLevel, message: string, meta?: LogMetadata) => {
    // The Gemini and TTS workers poll activities only, by design.
    if (message.startsWith('No workflows registered')) return;
    p[TEMPORAL_LEVELS[level]](temporalFields(meta), message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}

/**
 * The Log behind a `log` callback: a Log is returned as it is; a plain `(line) => void` (tests,
 * embedders) gets a logger whose JSON lines are handed to it, so it sees exactly what stdout would.
 */
export function asLog(fn: (line: string) => void, level: LogLevel = 'info'): Log {
  if (isLog(fn)) return fn;
  return createLogger({ level, name: 'bolt', destination: { write: (line: string) => fn(line.endsWith('\n') ? line.slice(0, -1) : line) } });
}

function isLog(fn: unknown): fn is Log {
  return typeof fn === 'function' && 'pino' in fn;
}
