// Voices per user: a short spoken preview of any catalog voice (made once by a TTS worker, then served
// from storage), and each user's favourite voice per language.
import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import { countActiveKeys } from '../db/keys';
import type { CatalogVoice } from '../domain/catalog';
import { clearFavourite, listFavourites, setFavourite } from '../db/favourites';
import { ErrorCode } from '../domain/errors';
import { previewKey } from '../domain/preview';
import type { voicePreviewWorkflow } from '../workflows';
import { ApiError, ApiErrorCode, invalidField } from './errors';
import { route, type Api, type HandlerContext } from './http';
import { pipeToResponse } from './stream-release';
import { LanguageCode, VoiceName } from './schemas';

/** How long a first preview request waits for the worker before answering 503 (the run goes on). */
const PREVIEW_WAIT_MS = 20_000;

const VoiceParam = z.object({ name: VoiceName });
const LanguageParam = z.object({ language: LanguageCode });
const FavouriteBody = z.object({ voice: VoiceName }).strict();
const FavouriteView = z.object({ language: z.string(), voice: z.string(), updatedAt: z.string() });

/** Makes the voice's preview through a worker (one TTS call on a pooled key); returns its size in bytes. */
async function makePreview(api: Api, voice: CatalogVoice): Promise<number> {
  // Without a key that can serve, the worker would wait for one for minutes: say so now instead.
  if ((await countActiveKeys(api.deps.db, 'tts')) === 0) {
    throw new ApiError(503, ErrorCode.providerUnavailable, 'no TTS key can make this preview: every key in the pool is disabled, spent or removed (an admin can add or enable one)', null, {
      'Retry-After': '60',
    });
  }
  try {
    // One workflow id per voice: concurrent first requests share one run, so one paid call.
    const handle = await api.deps.temporal.workflow.start<typeof voicePreviewWorkflow>('voicePreviewWorkflow', {
      workflowId: `voice-preview-${voice.name}`,
      taskQueue: api.deps.taskQueue,
      args: [{ voice: voice.name, language: voice.language }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowExecutionTimeout: '5 minutes',
    });
    // Keys that exist but wait for quota: the run goes on (and is cached); this request does not hang.
    const made = await Promise.race([handle.result(), new Promise<undefined>((r) => setTimeout(() => r(undefined), PREVIEW_WAIT_MS).unref())]);
    if (!made) {
      throw new ApiError(503, ErrorCode.providerUnavailable, `the preview of ${voice.name} is waiting for a TTS key with quota; try again shortly`, null, { 'Retry-After': '30' });
    }
    return made.bytes;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    // The activity's own message (two causes down: workflow failure ← activity failure ← application failure).
    const inner = err.cause?.cause;
    const reason = inner instanceof Error ? inner.message : (err.cause?.message ?? err.message);
    throw new ApiError(502, ErrorCode.providerUnavailable, `the preview of ${voice.name} could not be made: ${reason}`);
  }
}

/** Streams the voice's preview from storage, made first when it is not there yet. */
async function sendPreview(api: Api, { res, params }: HandlerContext<typeof VoiceParam>): Promise<void> {
  const { storage } = api.deps;
  const voice = api.estimator.catalog.byName.get(params.name);
  if (!voice) throw new ApiError(404, ApiErrorCode.notFound, `no such voice: ${params.name}`, { see: '/api/voices' });
  const key = previewKey(voice.name, voice.language);
  const size = (await storage.size(key)) ?? (await makePreview(api, voice));
  res.set({ 'Content-Type': 'audio/mpeg', 'Content-Length': String(size), 'Cache-Control': 'private, max-age=86400' });
  pipeToResponse(await storage.stream(key), res, api.deps.log, 'preview stream');
}

export function voiceRoutes(api: Api): void {
  route(
    api,
    {
      method: 'get',
      path: '/api/voices/:name/preview',
      tag: 'catalog',
      summary: 'A short spoken sample of a voice (MP3), synthesized once and then served from storage',
      description: 'The first request for a voice makes one TTS call on a pooled key (through a worker); every later one is served from storage.',
      params: VoiceParam,
      notFoundMessage: 'no such voice',
      responses: {
        200: { description: 'the sample', contentType: 'audio/mpeg' },
        404: { description: 'the catalog has no such voice' },
        502: { description: 'the TTS provider could not make the sample (`provider_unavailable`, with the reason)' },
        503: { description: 'no TTS key can serve now (all disabled, or all waiting for quota): `provider_unavailable` with the reason and Retry-After' },
      },
    },
    (ctx) => sendPreview(api, ctx),
  );
  favouriteVoiceRoutes(api);
}

/** The caller's favourite voice per language: list, set, remove. */
function favouriteVoiceRoutes(api: Api): void {
  const { db } = api.deps;
  const { catalog } = api.estimator;

  route(
    api,
    {
      method: 'get',
      path: '/api/me/favourite-voices',
      tag: 'catalog',
      summary: "The caller's favourite voice per language",
      responses: { 200: { description: 'favourites by language', schema: z.object({ favourites: z.array(FavouriteView) }) } },
    },
    async ({ res, user }) => {
      res.json({ favourites: await listFavourites(db, user.id) });
    },
  );

  route(
    api,
    {
      method: 'put',
      path: '/api/me/favourite-voices/:language',
      tag: 'catalog',
      summary: "Sets the caller's favourite voice for a language (a catalog voice of that language)",
      params: LanguageParam,
      body: FavouriteBody,
      notFoundMessage: 'no such language',
      responses: { 200: { description: 'the favourite', schema: z.object({ favourite: FavouriteView }) }, 400: { description: 'the voice is unknown or of another language' } },
    },
    async ({ res, params, body, user }) => {
      const voice = catalog.byName.get(body.voice);
      if (!voice) throw invalidField('voice', `unknown voice ${body.voice}; see GET /api/voices?language=${params.language}`);
      if (!voice.languageCodes.some((c) => c.toLowerCase() === params.language.toLowerCase())) throw invalidField('voice', `${voice.name} does not speak ${params.language}`);
      res.json({ favourite: await setFavourite(db, user.id, params.language, voice.name) });
    },
  );

  route(
    api,
    {
      method: 'delete',
      path: '/api/me/favourite-voices/:language',
      tag: 'catalog',
      summary: "Removes the caller's favourite voice for a language",
      params: LanguageParam,
      notFoundMessage: 'no such language',
      responses: { 204: { description: 'removed' }, 404: { description: 'no favourite for that language' } },
    },
    async ({ res, params, user }) => {
      if (!(await clearFavourite(db, user.id, params.language))) throw new ApiError(404, ApiErrorCode.notFound, `no favourite voice for ${params.language}`);
      res.status(204).end();
    },
  );
}
