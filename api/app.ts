// The Express app: a thin REST layer that validates input, writes rows, starts workflows and reads state.
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import express, { type Request } from 'express';
import type { Kysely } from 'kysely';
import { createBatch, getBatch } from '../db/batches';
import type { Batch, Database } from '../db/schema';
import { planJobs } from '../domain/plan';
import type { batchWorkflow } from '../workflows';
import { SearchAttr } from '../workflows/definitions';
import { ApiError, errorHandler, notFound } from './errors';
import { CreateBatchSchema, IdParam } from './schemas';

export interface ApiDeps {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
  /** Providers in use, shown to users so simulated output is never mistaken for real. */
  providers: { gemini: 'google' | 'simulator'; tts: 'google' | 'simulator' };
  log: (line: string) => void;
}

/** Single-user mode until accounts land: every request acts as this user. */
export const LOCAL_USER = 'local';

/** The JSON view of a batch. */
export function batchView(b: Batch) {
  return {
    id: b.id,
    status: b.status,
    mode: b.mode,
    masterLanguage: b.master_language,
    variations: b.variations,
    titles: b.titles.length,
    languages: b.languages,
    counts: { total: b.total_jobs, queued: b.queued, running: b.running, completed: b.completed, failed: b.failed, cancelled: b.cancelled },
    workflowId: b.workflow_id,
    createdAt: b.created_at,
    finishedAt: b.finished_at,
  };
}

const userOf = (_req: Request) => LOCAL_USER;

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  app.get('/api/status', (_req, res) => {
    res.json({ providers: deps.providers });
  });

  app.post('/api/batches', async (req, res) => {
    const input = CreateBatchSchema.parse(req.body);
    const userId = userOf(req);
    const masterLanguage = input.masterLanguage ?? input.languages[0]!.language;
    const jobs = planJobs({ mode: input.mode, titles: input.titles, languages: input.languages, variations: input.variations, masterLanguage });
    const idempotencyKey = req.get('Idempotency-Key') ?? undefined;
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
      throw new ApiError(400, 'validation_error', 'Idempotency-Key must be 1–200 visible ASCII characters');
    }
    const { batch, created } = await createBatch(deps.db, {
      userId,
      mode: input.mode,
      titles: input.titles,
      languages: input.languages,
      variations: input.variations,
      masterLanguage,
      options: { agent: input.agent, audioEncoding: input.audio.encoding, speakingRate: input.audio.speakingRate, pitch: input.audio.pitch, priority: input.priority },
      idempotencyKey,
      jobs,
    });
    try {
      await deps.temporal.workflow.start<typeof batchWorkflow>('batchWorkflow', {
        workflowId: batch.workflow_id,
        taskQueue: deps.taskQueue,
        args: [{ batchId: batch.id, userId, mode: input.mode }],
        typedSearchAttributes: [
          { key: SearchAttr.BatchId, value: batch.id },
          { key: SearchAttr.UserId, value: userId },
          { key: SearchAttr.Mode, value: input.mode },
        ],
        memo: { titles: input.titles.length, languages: input.languages.map((l) => l.language).join(','), jobs: jobs.length },
      });
    } catch (err) {
      // A repeated request with the same Idempotency-Key finds its workflow already running: fine.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    res.status(created ? 201 : 200).json({ batch: batchView(batch) });
  });

  app.get('/api/batches/:id', async (req, res) => {
    const parsed = IdParam.safeParse(req.params);
    if (!parsed.success) throw new ApiError(404, 'not_found', 'no such batch');
    const batch = await getBatch(deps.db, parsed.data.id, userOf(req));
    if (!batch) throw new ApiError(404, 'not_found', 'no such batch');
    res.json({ batch: batchView(batch) });
  });

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
