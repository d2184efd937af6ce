// Live progress as Server-Sent Events. One hub per API process reads PostgreSQL on a timer, with ONE
// query for every watched batch, and fans each batch's row out to all of its subscribers.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { batchCounters } from '../db/batch-queries';
import { matrixStatuses } from '../db/matrix';
import type { Database } from '../db/schema';
import { MATRIX_MAX_JOBS } from '../domain/matrix';
import { isFinished, progressOf } from '../domain/progress';
import { callerBatch } from './batch-access';
import { route, type Api } from './http';
import { IdParam } from './schemas';

type Row = Awaited<ReturnType<typeof batchCounters>>[number];

/** One subscriber's callbacks. */
export interface ProgressListener {
  progress(data: ReturnType<typeof eventOf>): void;
  end(data: ReturnType<typeof eventOf>): void;
  /** Every job's status letter by seq (see domain/matrix.ts), sent when it changed; only to subscribers that asked. */
  jobs?(codes: string): void;
  /** The API process is stopping: say so in a last event and close (the client reconnects elsewhere). */
  shutdown?(): void;
}

/** `?jobs=1` adds `jobs` events (the matrix's status string) to the stream. */
export const EventsQuery = z.object({ jobs: z.enum(['1', 'true']).optional().meta({ description: 'also send `jobs` events: one status letter per job, by seq' }) }).strict();

/** The data of one progress event. */
export function eventOf(row: Row, now = Date.now()) {
  return {
    id: row.id,
    status: row.status,
    counts: { total: row.total_jobs, queued: row.queued, running: row.running, completed: row.completed, failed: row.failed, cancelled: row.cancelled },
    ...progressOf(row, now),
    at: new Date(now),
  };
}

interface Watched {
  listeners: Set<ProgressListener>;
  /** The status string each job-watching listener was last sent. */
  lastCodes: Map<ProgressListener, string>;
  lastKey?: string;
  lastSentAt: number;
}

/** Polls PostgreSQL for the batches someone is watching; idle when nobody is. */
export class ProgressHub {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Queries made so far, for tests and metrics. */
  polls = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: (line: string) => void,
    private readonly pollMs = 500,
    /** Longest silence while a batch runs: an unchanged batch is re-sent after this long. */
    private readonly heartbeatMs = 1000,
  ) {}

  /** Batches being watched and subscribers in all, for tests and metrics. */
  stats(): { batches: number; subscribers: number; polls: number } {
    let subscribers = 0;
    for (const w of this.watched.values()) subscribers += w.listeners.size;
    return { batches: this.watched.size, subscribers, polls: this.polls };
  }

  subscribe(batchId: string, listener: ProgressListener): () => void {
    let w = this.watched.get(batchId);
    if (!w) {
      w = { listeners: new Set(), lastCodes: new Map(), lastSentAt: 0 };
      this.watched.set(batchId, w);
    }
    w.listeners.add(listener);
    this.timer ??= setInterval(() => void this.poll(), this.pollMs);
    return () => {
      const entry = this.watched.get(batchId);
      entry?.listeners.delete(listener);
      entry?.lastCodes.delete(listener);
      if (entry && entry.listeners.size === 0) this.watched.delete(batchId);
      if (this.watched.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Ends every stream with a final `shutdown` event and stops polling; returns how many were open. */
  closeAll(): number {
    let n = 0;
    for (const w of [...this.watched.values()]) {
      for (const l of [...w.listeners]) {
        n++;
        l.shutdown?.();
      }
    }
    this.watched.clear();
    this.stop();
    return n;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.watched.size === 0) return;
    this.polling = true;
    try {
      this.polls++;
      const rows = await batchCounters(this.db, [...this.watched.keys()]);
      const now = Date.now();
      const due: Array<{ row: (typeof rows)[number]; w: Watched; terminal: boolean }> = [];
      for (const row of rows) {
        const w = this.watched.get(row.id);
        if (!w) continue;
        const data = eventOf(row, now);
        const key = JSON.stringify(data.counts) + data.status;
        const terminal = isFinished(row.status);
        if (key !== w.lastKey || now - w.lastSentAt >= this.heartbeatMs || terminal) {
          w.lastKey = key;
          w.lastSentAt = now;
          due.push({ row, w, terminal });
        }
      }
      // Job statuses are read only for batches being sent now and watched by a matrix, in one query.
      const wantCodes = due.filter(({ row, w }) => row.total_jobs <= MATRIX_MAX_JOBS && [...w.listeners].some((l) => l.jobs)).map(({ row }) => row.id);
      const codes = await matrixStatuses(this.db, wantCodes);
      for (const { row, w, terminal } of due) {
        const data = eventOf(row, now);
        const c = codes.get(row.id);
        for (const l of [...w.listeners]) {
          if (c !== undefined && l.jobs && w.lastCodes.get(l) !== c) {
            w.lastCodes.set(l, c);
            l.jobs(c);
          }
          (terminal ? l.end : l.progress).call(l, data);
        }
        if (terminal) this.watched.delete(row.id);
      }
      if (this.watched.size === 0) this.stop();
    } catch (err) {
      this.log(`progress poll failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.polling = false;
    }
  }
}

export function progressRoutes(api: Api, hub: ProgressHub): void {
  route(
    api,
    {
      method: 'get',
      path: '/api/batches/:id/events',
      tag: 'batches',
      summary: 'Live progress as Server-Sent Events: `progress` at least once a second while the batch runs, then `end` (or `shutdown` when this API process stops); with `?jobs=1` also `jobs`',
      description:
        'Each event carries an increasing `id`, and `data` with status, counts, percent, rate and ETA. The stream closes after `end`, or after `shutdown` when this API process stops (reconnect to continue). With `?jobs=1`, a `jobs` event (`{codes}`: one letter per job by seq, q r c f x) comes whenever a job changed status, before the `progress` of the same moment (batches up to 20,000 jobs).',
      params: IdParam,
      query: EventsQuery,
      notFoundMessage: 'no such batch',
      responses: { 200: { description: 'the event stream', contentType: 'text/event-stream' }, 404: { description: 'no such batch of yours' } },
    },
    async ({ res, params, query, user }) => {
      const batch = await callerBatch(api.deps.db, params.id, user);
      const withJobs = query.jobs !== undefined && batch.total_jobs <= MATRIX_MAX_JOBS;
      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.flushHeaders();
      let seq = 0;
      const send = (event: string, data: unknown) => res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.write('retry: 2000\n\n');
      const first = eventOf(batch);
      if (isFinished(batch.status)) {
        if (withJobs) send('jobs', { codes: (await matrixStatuses(api.deps.db, [batch.id])).get(batch.id) ?? '' });
        send('progress', first);
        send('end', first);
        res.end();
        return;
      }
      send('progress', first);
      const unsubscribe = hub.subscribe(batch.id, {
        progress: (data) => send('progress', data),
        ...(withJobs ? { jobs: (codes: string) => send('jobs', { codes }) } : {}),
        end: (data) => {
          send('progress', data);
          send('end', data);
          unsubscribe();
          res.end();
        },
        shutdown: () => {
          send('shutdown', { reason: 'server stopping', retryMs: 2000 });
          unsubscribe();
          res.end();
        },
      });
      res.on('close', unsubscribe);
    },
  );
}
