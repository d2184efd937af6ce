// Exports of a batch: the manifest (JSON or CSV) and a ZIP of every output, organised by language and
// title. Both are streamed: jobs are read a page at a time and each file is opened only when the ZIP
// reaches it, so memory stays flat however large the batch.
import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import type { Response } from 'express';
import type { Kysely } from 'kysely';
import { ZipFile } from 'yazl';
import { jobsInOrder } from '../db/batch-queries';
import type { Batch, Database, Job } from '../db/schema';
import { callerBatch } from './batch-access';
import { batchView, errorView } from './batch-views';
import { route, type Api, type HandlerContext } from './http';
import { OpenStreams } from './stream-release';
import { IdParam, ManifestQuery } from './schemas';

/** Path of an output inside the export: its storage key below the batch's folder. */
export const exportPath = (batchId: string, key: string | null): string | null => {
  const prefix = `batches/${batchId}/`;
  return key && key.startsWith(prefix) ? key.slice(prefix.length) : key;
};

/** One manifest entry. */
export function manifestEntry(j: Job) {
  return {
    seq: j.seq,
    title: j.title,
    titleIndex: j.title_index,
    language: j.language,
    voice: j.voice,
    variation: j.variation,
    status: j.status,
    script: exportPath(j.batch_id, j.script_key),
    audio: exportPath(j.batch_id, j.audio_key),
    audioBytes: j.audio_bytes,
    audioDurationMs: j.audio_duration_ms,
    error: errorView(j),
  };
}

/** The manifest as JSON text, chunk by chunk. */
export async function* manifestJson(db: Kysely<Database>, batch: Batch): AsyncGenerator<string> {
  yield `{"batch":${JSON.stringify(batchView(batch))},"jobs":[`;
  let first = true;
  for await (const j of jobsInOrder(db, batch.id)) {
    yield `${first ? '' : ','}\n${JSON.stringify(manifestEntry(j))}`;
    first = false;
  }
  yield '\n]}\n';
}

export const CSV_COLUMNS = ['seq', 'title', 'language', 'voice', 'variation', 'status', 'script', 'audio', 'audio_bytes', 'audio_duration_ms', 'error_stage', 'error_code', 'error_message'] as const;

/** One CSV cell: quoted when needed; a leading = + - @ is defused so spreadsheets never run it as a formula. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The manifest as CSV text (RFC 4180, CRLF), chunk by chunk. */
export async function* manifestCsv(db: Kysely<Database>, batch: Batch): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const j of jobsInOrder(db, batch.id)) {
    const e = manifestEntry(j);
    const row = [e.seq, e.title, e.language, e.voice, e.variation, e.status, e.script, e.audio, e.audioBytes, e.audioDurationMs, e.error?.stage, e.error?.code, e.error?.message];
    yield `${row.map(csvCell).join(',')}\r\n`;
  }
}

async function* asBuffers(chunks: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const c of chunks) yield Buffer.from(c, 'utf8');
}

/** Writes chunks to the response, waiting for the socket to drain when it is full. */
async function pump(res: Response, chunks: AsyncIterable<string>): Promise<void> {
  for await (const c of chunks) {
    if (res.destroyed) return;
    if (!res.write(c)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  res.end();
}

/** Streams the ZIP of the caller's batch: its manifests, then every stored output, each opened only when the ZIP reaches it. */
async function sendZip(api: Api, { res, params, user }: HandlerContext<typeof IdParam>): Promise<void> {
  const { db, storage, log } = api.deps;
  const batch = await callerBatch(db, params.id, user);
  const keys = await storage.list(`batches/${batch.id}/`);
  const zip = new ZipFile();
  // An aborted download closes the entry being read (its S3 socket or file) and opens no further one.
  const open = new OpenStreams(res);
  res.once('close', () => {
    if (!res.writableFinished) (zip.outputStream as unknown as Readable).destroy();
  });
  const mtime = batch.finished_at ?? new Date();
  zip.addReadStreamLazy('manifest.json', { mtime, compress: true }, (cb) => cb(null, open.add(ReadableStream.from(asBuffers(manifestJson(db, batch))))));
  zip.addReadStreamLazy('manifest.csv', { mtime, compress: true }, (cb) => cb(null, open.add(ReadableStream.from(asBuffers(manifestCsv(db, batch))))));
  for (const key of keys) {
    const name = exportPath(batch.id, key)!;
    if (name === 'manifest.json' || name === 'manifest.csv') continue;
    // Audio is already compressed; deflating it again costs CPU for nothing.
    const compress = /\.(txt|srt|vtt|json|csv)$/i.test(name);
    zip.addReadStreamLazy(name, { mtime, compress }, (cb) => {
      if (open.closed) return cb(new Error('the download was aborted'), undefined as unknown as Readable);
      storage.stream(key).then(
        (s: Readable) => {
          // A source that breaks midway must end the download, not the process.
          s.on('error', (err: Error) => {
            if (!open.closed) log(`zip of batch ${batch.id}: reading ${name} failed: ${err.message}`);
            res.destroy();
          });
          cb(null, open.add(s));
        },
        (err: Error) => cb(err, undefined as unknown as Readable),
      );
    });
  }
  zip.end();
  res.status(200).set('Content-Type', 'application/zip');
  res.attachment(`batch-${batch.id}.zip`);
  zip.on('error', (err: Error) => {
    if (!open.closed) log(`zip of batch ${batch.id} failed: ${err.message}`);
    res.destroy();
  });
  zip.outputStream.on('error', () => res.destroy());
  zip.outputStream.pipe(res);
}

export function exportRoutes(api: Api): void {
  const { db } = api.deps;

  route(
    api,
    {
      method: 'get',
      path: '/api/batches/:id/manifest',
      tag: 'exports',
      summary: 'The batch manifest: every job with its output paths, as JSON (default) or CSV',
      params: IdParam,
      query: ManifestQuery,
      notFoundMessage: 'no such batch',
      responses: { 200: { description: 'the manifest (application/json or text/csv)' }, 404: { description: 'no such batch of yours' } },
    },
    async ({ res, params, query, user }) => {
      const batch = await callerBatch(db, params.id, user);
      if (query.format === 'csv') {
        res.set('Content-Type', 'text/csv; charset=utf-8');
        res.attachment(`batch-${batch.id}-manifest.csv`);
        await pump(res, manifestCsv(db, batch));
      } else {
        res.set('Content-Type', 'application/json; charset=utf-8');
        await pump(res, manifestJson(db, batch));
      }
    },
  );

  route(
    api,
    {
      method: 'get',
      path: '/api/batches/:id/download',
      tag: 'exports',
      summary: 'A streamed ZIP of the batch: manifest.json, manifest.csv, then <language>/<nnnn>-v<variation>-<title>/ with script, audio and subtitles',
      params: IdParam,
      notFoundMessage: 'no such batch',
      responses: { 200: { description: 'the ZIP', contentType: 'application/zip' }, 404: { description: 'no such batch of yours' } },
    },
    (ctx) => sendZip(api, ctx),
  );
}
