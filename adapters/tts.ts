// Google Cloud TTS through @google-cloud/text-to-speech (REST transport): the client per key, and the paid
// calls — each planned request synthesized as LINEAR16 (with <mark> timepoints where the voice takes SSML),
// errors classified through the shared outcome table. Planning is in tts-plan.ts, assembly in tts-narration.ts.
import { TextToSpeechClient, v1beta1 } from '@google-cloud/text-to-speech';
import { decodeWav } from '../domain/audio/wav';
import type { SpeechRequest } from '../domain/chunking';
import { BoltError, ErrorCode, Stage } from '../domain/errors';
import { geminiVoice, voiceSelection } from '../domain/gemini-tts';
import { classifyFailure, googleErrorIn, outcomeError } from '../domain/provider-outcomes';
import { voiceFeatures } from '../domain/voice-features';
import { assembleNarration, type ChunkAudio, type Narration, type NarrationRequest } from './tts-narration';
import { requestInput, planNarration } from './tts-plan';

// The narration API in one import: callers plan, speak and assemble through this module.
export { assembleNarration, type ChunkAudio, type Narration, type NarrationRequest, type NarrationSubtitles } from './tts-narration';
export { countTtsRequests, planNarration } from './tts-plan';

export interface TtsClientOptions {
  apiKey: string;
  /** Base URL such as http://127.0.0.1:4010; Google's own endpoint when absent. */
  baseUrl?: string;
}

/** The v1beta1 client (timepoints) built beside each v1 client from the same options. */
const betaClients = new WeakMap<TextToSpeechClient, v1beta1.TextToSpeechClient>();

/**
 * The project id the SDK's auth layer is given. With none, its first call asks for one: the environment, then the
 * metadata server of Google's own machines (169.254.169.254), a connection nobody asked for from any other host. A
 * call with an API key bills the key's project whatever this says (no quota project is sent).
 */
const AUTH_PROJECT_ID = 'bolt-api-key';

function clientOptions({ apiKey, baseUrl }: TtsClientOptions): ConstructorParameters<typeof TextToSpeechClient>[0] {
  if (!baseUrl) return { apiKey, fallback: true, projectId: AUTH_PROJECT_ID };
  const url = new URL(baseUrl);
  return {
    apiKey,
    fallback: true,
    projectId: AUTH_PROJECT_ID,
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol.replace(':', ''),
  } as ConstructorParameters<typeof TextToSpeechClient>[0];
}

/** Builds the SDK client for one key; REST fallback so it speaks HTTP/1.1 JSON like the simulator. */
export function createTtsClient(options: TtsClientOptions): TextToSpeechClient {
  const client = new TextToSpeechClient(clientOptions(options));
  betaClients.set(client, new v1beta1.TextToSpeechClient(clientOptions(options) as ConstructorParameters<typeof v1beta1.TextToSpeechClient>[0]));
  return client;
}

/** Loads the stubs of a client built by {@link createTtsClient} (and of its v1beta1 twin), which the SDK otherwise does on the first call. */
export async function initializeTtsClient(client: TextToSpeechClient): Promise<void> {
  await client.initialize();
  await betaClients.get(client)?.initialize();
}

/** Call options that switch off the SDK's hidden retries (it retries UNAVAILABLE by default). */
function callOptions(timeoutMs: number) {
  return {
    timeout: timeoutMs,
    retry: {
      retryCodes: [] as number[],
      backoffSettings: {
        initialRetryDelayMillis: 0,
        retryDelayMultiplier: 1,
        maxRetryDelayMillis: 0,
        initialRpcTimeoutMillis: timeoutMs,
        rpcTimeoutMultiplier: 1,
        maxRpcTimeoutMillis: timeoutMs,
        totalTimeoutMillis: timeoutMs,
      },
    },
  } as never;
}

/** Speaks a whole script and returns one encoded file with its real duration and its subtitles. */
export async function synthesizeNarration(client: TextToSpeechClient, req: NarrationRequest): Promise<Narration> {
  const plan = planNarration(req);
  if (plan.length === 0) throw new BoltError(ErrorCode.badRequest, 'the script has no text to speak', { stage: Stage.synthesis });
  const audio: ChunkAudio[] = [];
  for (const [i, request] of plan.entries()) {
    audio.push(await synthesizeChunk(client, req, request));
    req.onProgress?.(i + 1, plan.length);
  }
  return assembleNarration(req, plan, audio);
}

/**
 * Speaks one planned request of a narration as LINEAR16 PCM (with its `<mark>` times where the voice
 * gives timepoints): one paid call, whose result the caller may keep until the narration is assembled.
 */
export async function synthesizeChunk(client: TextToSpeechClient, req: NarrationRequest, request: SpeechRequest): Promise<ChunkAudio> {
  const features = voiceFeatures(req.voice);
  const beta = features.ssml && features.timepoints ? betaClients.get(client) : undefined;
  const audioConfig = {
    audioEncoding: 'LINEAR16' as const,
    ...(req.speakingRate !== undefined && features.speakingRate ? { speakingRate: req.speakingRate } : {}),
    ...(req.pitch !== undefined && features.pitch ? { pitch: req.pitch } : {}),
    ...(req.sampleRateHertz !== undefined ? { sampleRateHertz: req.sampleRateHertz } : {}),
  };
  const timeoutMs = req.timeoutMs ?? 120_000;
  const options = callOptions(timeoutMs);
  const gemini = geminiVoice(req.voice);
  const voice = voiceSelection(req.voice, req.language);
  // Gemini-TTS: the style prompt rides with every chunk.
  const prompt = gemini && req.prompt ? { prompt: req.prompt } : {};
  let audioContent: Uint8Array | string | null | undefined;
  const marks = new Map<string, number>();
  try {
    // Temporal owns retries: the SDK's own would repeat paid calls unseen.
    if (beta) {
      const [res] = await withTimeout(beta.synthesizeSpeech({ input: requestInput(request, req), voice, audioConfig, enableTimePointing: ['SSML_MARK' as never] }, options), timeoutMs);
      audioContent = res.audioContent;
      for (const tp of res.timepoints ?? []) if (tp.markName && typeof tp.timeSeconds === 'number') marks.set(tp.markName, tp.timeSeconds);
    } else {
      const [res] = await withTimeout(client.synthesizeSpeech({ input: { ...requestInput(request, req), ...prompt }, voice, audioConfig }, options), timeoutMs);
      audioContent = res.audioContent;
    }
  } catch (err) {
    throw classifyTtsError(err);
  }
  if (!audioContent || audioContent.length === 0) {
    throw new BoltError(ErrorCode.providerUnavailable, 'TTS returned no audio', { stage: Stage.synthesis, retryable: true });
  }
  const bytes = typeof audioContent === 'string' ? Buffer.from(audioContent, 'base64') : Buffer.from(audioContent);
  try {
    return { pcm: decodeWav(bytes), marks };
  } catch (err) {
    throw new BoltError(ErrorCode.providerUnavailable, `TTS returned audio that is not LINEAR16: ${String(err)}`, { stage: Stage.synthesis, retryable: true });
  }
}

const GRPC_STATUS: Record<number, [number, string]> = {
  1: [499, 'CANCELLED'],
  2: [500, 'UNKNOWN'],
  3: [400, 'INVALID_ARGUMENT'],
  4: [504, 'DEADLINE_EXCEEDED'],
  5: [404, 'NOT_FOUND'],
  7: [403, 'PERMISSION_DENIED'],
  8: [429, 'RESOURCE_EXHAUSTED'],
  9: [400, 'FAILED_PRECONDITION'],
  13: [500, 'INTERNAL'],
  14: [503, 'UNAVAILABLE'],
  16: [401, 'UNAUTHENTICATED'],
};

/**
 * Maps an SDK error to a classified BoltError through the shared outcome table. Over the REST transport
 * the SDK turns Google's error JSON into a gRPC code plus decoded `statusDetails`; both are read.
 */
export function classifyTtsError(err: unknown): BoltError {
  const e = (err ?? {}) as { code?: unknown; status?: unknown; statusDetails?: unknown; reason?: unknown; name?: unknown };
  const message = err instanceof Error ? err.message : String(err);
  // Over REST the SDK's error message is Google's error JSON; read code, status and details from it.
  const body = googleErrorIn(message);
  const readable = body?.message ?? message;
  const short = readable.length > 500 ? `${readable.slice(0, 500)}…` : readable;
  let status: number | undefined = typeof body?.code === 'number' ? body.code : undefined;
  let statusName: string | undefined = body?.status;
  if (status === undefined) {
    if (typeof e.code === 'number' && e.code < 100) [status, statusName] = GRPC_STATUS[e.code] ?? [500, 'UNKNOWN'];
    else if (typeof e.code === 'number') status = e.code;
    else if (typeof e.status === 'number') status = e.status;
  }
  const details = [...(body?.details ?? []), ...(Array.isArray(e.statusDetails) ? (e.statusDetails as unknown[]) : [])];
  if (typeof e.reason === 'string') details.push({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: e.reason, domain: 'googleapis.com' });
  const timedOut = e.name === 'TimeoutError' || statusName === 'DEADLINE_EXCEEDED' || (!body && /timeout|timed out|ETIMEDOUT|aborted/i.test(message));
  const c = classifyFailure({ status, statusName, message: readable, details, timedOut });
  return outcomeError(c, `TTS ${c.outcome.replace('_', ' ')}${status ? ` (${status}${statusName ? ` ${statusName}` : ''})` : ''}: ${short}`, { stage: Stage.synthesis, status });
}

/** Rejects with a TimeoutError when `p` takes longer than `ms`; the SDK's REST transport ignores its own timeout. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`TTS call timed out after ${ms} ms`);
      err.name = 'TimeoutError';
      reject(err);
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
