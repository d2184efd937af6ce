// One job in detail (GET /api/jobs/:id): its script text, expiring links to its audio, script and subtitles,
// its narration quality, the log of its attempts and its timings.
import path from 'node:path';
import type { Request } from 'express';
import { z } from 'zod';
import type { ObjectStorage } from '../adapters/storage';
import { listAttempts } from '../db/attempts';
import { getJobForUser } from '../db/batch-queries';
import type { Job } from '../db/schema';
import { contentTypeOf } from '../domain/content-types';
import { attemptView, jobSummary, jobTimings, JobView } from './batch-views';
import { ApiError, ApiErrorCode } from './errors';
import { route, type Api, type HandlerContext } from './http';
import type { LinkSigner } from './links';
import { jobQualityView } from './quality-view';
import { IdParam } from './schemas';

/** scheme://host the request came to, for links the API serves itself. */
export const apiBase = (req: Request): string => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

/** The job's outputs with expiring links: script (with its text), audio, and the subtitles beside them. */
async function jobOutputs(storage: ObjectStorage, links: LinkSigner, job: Job, base: string) {
  const folder = job.script_key ?? job.audio_key;
  const subtitleKeys = folder ? (await storage.list(`${path.posix.dirname(folder)}/`)).filter((k) => /\.(srt|vtt)$/i.test(k)) : [];
  const script = job.script_key ? { text: (await storage.get(job.script_key)).toString('utf8'), ...(await links.link(job.script_key, base)) } : null;
  const audio = job.audio_key ? { bytes: job.audio_bytes, durationMs: job.audio_duration_ms, contentType: contentTypeOf(job.audio_key), ...(await links.link(job.audio_key, base)) } : null;
  const subtitles = await Promise.all(subtitleKeys.map(async (k) => ({ format: path.extname(k).slice(1).toLowerCase(), ...(await links.link(k, base)) })));
  return { script, audio, subtitles };
}

async function showJob(api: Api, links: LinkSigner, { req, res, params, user }: HandlerContext<typeof IdParam>): Promise<void> {
  const { db } = api.deps;
  const found = await getJobForUser(db, params.id, user.id);
  if (!found) throw new ApiError(404, ApiErrorCode.notFound, 'no such job');
  const { job } = found;
  const outputs = await jobOutputs(api.deps.storage, links, job, apiBase(req));
  const quality = await jobQualityView(db, job);
  res.json({ job: { ...jobSummary(job), ...quality, ...outputs, attemptLog: (await listAttempts(db, job.id)).map(attemptView), timings: jobTimings(job) } });
}

export function jobRoutes(api: Api, links: LinkSigner): void {
  route(
    api,
    {
      method: 'get',
      path: '/api/jobs/:id',
      tag: 'jobs',
      summary: 'One job: script text, expiring audio, script and subtitle links, timings, attempts (with the log of finished ones), error',
      params: IdParam,
      notFoundMessage: 'no such job',
      responses: { 200: { description: 'the job', schema: z.object({ job: JobView }) }, 404: { description: 'no such job of yours' } },
    },
    (ctx) => showJob(api, links, ctx),
  );
}
