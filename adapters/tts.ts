// Google Cloud TTS through @google-cloud/text-to-speech (REST transport): long texts are chunked,
// each chunk synthesized as LINEAR16, the PCM joined and encoded once, so the file is one clean stream.
import { TextToSpeechClient } from '@google-cloud/text-to-speech';
import { concatPcm, decodeWav, pcmDurationMs, type Pcm } from '../domain/audio';
import { chunkText } from '../domain/chunking';
import { BoltError, ErrorCode, Stage } from '../domain/errors';
import { encodeAudio, type AudioEncoding } from './audio-codec';

export interface TtsClientOptions {
  apiKey: string;
  /** Base URL such as http://127.0.0.1:4010; Google's own endpoint when absent. */
  baseUrl?: string;
}

export interface NarrationRequest {
  text: string;
  language: string;
  voice: string;
  encoding: AudioEncoding;
  speakingRate?: number;
  pitch?: number;
}

export interface Narration {
  body: Buffer;
  contentType: string;
  extension: string;
  durationMs: number;
  /** Duration of each chunk, in order; subtitles are timed from them. */
  chunkDurationsMs: number[];
  chunks: string[];
  characters: number;
}

/** Builds the SDK client for one key; REST fallback so it speaks HTTP/1.1 JSON like the simulator. */
export function createTtsClient({ apiKey, baseUrl }: TtsClientOptions): TextToSpeechClient {
  if (!baseUrl) return new TextToSpeechClient({ apiKey, fallback: true });
  const url = new URL(baseUrl);
  return new TextToSpeechClient({
    apiKey,
    fallback: true,
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol.replace(':', ''),
  } as ConstructorParameters<typeof TextToSpeechClient>[0]);
}

const TIMEOUT_MS = 120_000;
/** Call options that switch off the SDK's hidden retries (it retries UNAVAILABLE by default). */
const NO_SDK_RETRIES = {
  timeout: TIMEOUT_MS,
  retry: {
    retryCodes: [] as number[],
    backoffSettings: {
      initialRetryDelayMillis: 0,
      retryDelayMultiplier: 1,
      maxRetryDelayMillis: 0,
      initialRpcTimeoutMillis: TIMEOUT_MS,
      rpcTimeoutMultiplier: 1,
      maxRpcTimeoutMillis: TIMEOUT_MS,
      totalTimeoutMillis: TIMEOUT_MS,
    },
  },
} as never;

/** Speaks a whole script and returns one encoded file with its real duration. */
export async function synthesizeNarration(client: TextToSpeechClient, req: NarrationRequest): Promise<Narration> {
  const chunks = chunkText(req.text, { locale: req.language });
  const pcm: Pcm[] = [];
  for (const chunk of chunks) {
    let audioContent: Uint8Array | string | null | undefined;
    try {
      // Temporal owns retries: the SDK's own would repeat paid calls unseen.
      const [res] = await client.synthesizeSpeech(
        {
          input: { text: chunk },
          voice: { languageCode: req.language, name: req.voice },
          audioConfig: {
            audioEncoding: 'LINEAR16',
            ...(req.speakingRate !== undefined ? { speakingRate: req.speakingRate } : {}),
            ...(req.pitch !== undefined ? { pitch: req.pitch } : {}),
          },
        },
        NO_SDK_RETRIES,
      );
      audioContent = res.audioContent;
    } catch (err) {
      throw classifyTtsError(err);
    }
    if (!audioContent || audioContent.length === 0) {
      throw new BoltError(ErrorCode.providerUnavailable, 'TTS returned no audio', { stage: Stage.synthesis, retryable: true });
    }
    const bytes = typeof audioContent === 'string' ? Buffer.from(audioContent, 'base64') : Buffer.from(audioContent);
    pcm.push(decodeWav(bytes));
  }
  const joined = concatPcm(pcm);
  const encoded = await encodeAudio(joined, req.encoding);
  return {
    ...encoded,
    durationMs: Math.round(pcmDurationMs(joined)),
    chunkDurationsMs: pcm.map((p) => pcmDurationMs(p)),
    chunks,
    characters: [...req.text].length,
  };
}

const GRPC_TO_HTTP: Record<number, number> = { 3: 400, 4: 504, 5: 404, 7: 403, 8: 429, 13: 500, 14: 503, 16: 401 };

/**
 * Maps an SDK error to a classified BoltError. Over the REST transport the SDK reports the HTTP
 * status in `code`; over gRPC, a gRPC status number: both are read.
 */
export function classifyTtsError(err: unknown): BoltError {
  const e = err as { code?: unknown; status?: unknown };
  const rawCode = typeof e.code === 'number' ? e.code : typeof e.status === 'number' ? e.status : undefined;
  const status = rawCode === undefined ? undefined : rawCode >= 100 ? rawCode : GRPC_TO_HTTP[rawCode];
  const message = err instanceof Error ? err.message : String(err);
  const short = message.length > 500 ? `${message.slice(0, 500)}…` : message;
  const stage = Stage.synthesis;
  if (status === 429 || /RESOURCE_EXHAUSTED/.test(message)) {
    return new BoltError(ErrorCode.quotaExhausted, `TTS quota exhausted: ${short}`, { stage, retryable: true, status });
  }
  if (status === 401 || status === 403 || /API_KEY_INVALID|API key not valid/i.test(message)) {
    return new BoltError(ErrorCode.keyInvalid, `TTS rejected the API key: ${short}`, { stage, retryable: true, status });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) {
    return new BoltError(ErrorCode.badRequest, `TTS rejected the request: ${short}`, { stage, status });
  }
  return new BoltError(ErrorCode.providerUnavailable, `TTS call failed: ${short}`, { stage, retryable: true, status });
}
