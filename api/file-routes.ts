// Local-folder outputs streamed through expiring signed links (GET /api/files), as handed out by the job view.
import path from 'node:path';
import { contentTypeOf } from '../domain/content-types';
import { ApiError, ApiErrorCode } from './errors';
import { route, type Api, type HandlerContext } from './http';
import type { LinkSigner } from './links';
import { FileQuery } from './schemas';
import { pipeToResponse } from './stream-release';

async function streamFile(api: Api, links: LinkSigner, { res, query }: HandlerContext<undefined, typeof FileQuery>): Promise<void> {
  const { storage } = api.deps;
  if (!links.verify(query.key, Number(query.expires), query.signature)) throw new ApiError(403, ApiErrorCode.linkInvalid, 'the link is invalid or has expired');
  const size = await storage.size(query.key).catch(() => undefined);
  if (size === undefined) throw new ApiError(404, ApiErrorCode.notFound, 'no such file');
  res.set({ 'Content-Type': contentTypeOf(query.key), 'Content-Length': String(size), 'Cache-Control': 'private, max-age=60' });
  res.attachment(path.posix.basename(query.key));
  pipeToResponse(await storage.stream(query.key), res, api.deps.log, 'file stream');
}

export function fileRoutes(api: Api, links: LinkSigner): void {
  route(
    api,
    {
      method: 'get',
      path: '/api/files',
      tag: 'jobs',
      auth: false,
      summary: 'An output from the local folder, through an expiring signed link (as given by GET /api/jobs/:id)',
      query: FileQuery,
      responses: { 200: { description: 'the file', contentType: 'application/octet-stream' }, 403: { description: 'the link is forged or expired (`link_invalid`)' }, 404: { description: 'no such file' } },
    },
    (ctx) => streamFile(api, links, ctx),
  );
}
