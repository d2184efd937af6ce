// The batch matrix for the page: every job's place (title × language × variation) and status in compact
// arrays, read once; the progress stream's `jobs` events then carry only the status string.
import { z } from 'zod';
import { getBatch } from '../db/batches';
import { matrixCells } from '../db/matrix';
import { MATRIX_MAX_JOBS, MATRIX_STATUS_CODE } from '../domain/matrix';
import { ApiError, ApiErrorCode } from './errors';
import { route, type Api } from './http';
import { IdParam } from './schemas';

/** The answer's shape, also the page's type of it. */
export const MatrixView = z.object({
  batchId: z.string(),
  titles: z.array(z.string()),
  languages: z.array(z.object({ language: z.string(), voice: z.string() })),
  variations: z.number(),
  jobs: z.object({
    id: z.array(z.string()).meta({ description: 'job ids by seq' }),
    title: z.array(z.number()).meta({ description: 'index into `titles`, per job' }),
    language: z.array(z.number()).meta({ description: 'index into `languages`, per job' }),
    variation: z.array(z.number()).meta({ description: 'variation (from 1), per job' }),
  }),
  codes: z.string().meta({ description: 'one status letter per job by seq: q queued, r running, c completed, f failed, x cancelled' }),
});
export type MatrixView = z.infer<typeof MatrixView>;

export function matrixRoutes(api: Api): void {
  const { db } = api.deps;
  route(
    api,
    {
      method: 'get',
      path: '/api/batches/:id/matrix',
      tag: 'batches',
      summary: "The batch's titles × languages × variations matrix: each job's place and status, in compact arrays",
      description: `For batches up to ${MATRIX_MAX_JOBS.toLocaleString('en')} jobs; follow changes with \`GET /api/batches/:id/events?jobs=1\`.`,
      params: IdParam,
      notFoundMessage: 'no such batch',
      responses: {
        200: { description: 'the matrix', schema: z.object({ matrix: MatrixView }) },
        404: { description: 'no such batch of yours' },
        409: { description: `the batch has more than ${MATRIX_MAX_JOBS} jobs (\`conflict\`)` },
      },
    },
    async ({ res, params, user }) => {
      const batch = await getBatch(db, params.id, user.id);
      if (!batch) throw new ApiError(404, ApiErrorCode.notFound, 'no such batch');
      if (batch.total_jobs > MATRIX_MAX_JOBS) {
        throw new ApiError(409, ApiErrorCode.conflict, `the batch has ${batch.total_jobs} jobs; the matrix covers batches of up to ${MATRIX_MAX_JOBS}`);
      }
      const cells = await matrixCells(db, batch.id);
      const languageIndex = new Map(batch.languages.map((l, i) => [l.language, i]));
      const view: MatrixView = {
        batchId: batch.id,
        titles: batch.titles,
        languages: batch.languages.map((l) => ({ language: l.language, voice: l.voice })),
        variations: batch.variations,
        jobs: { id: cells.map((c) => c.id), title: cells.map((c) => c.title_index), language: cells.map((c) => languageIndex.get(c.language) ?? 0), variation: cells.map((c) => c.variation) },
        codes: cells.map((c) => MATRIX_STATUS_CODE[c.status] ?? 'q').join(''),
      };
      res.set('Cache-Control', 'no-store').json({ matrix: view });
    },
  );
}
