// Google Cloud TTS through @google-cloud/text-to-speech (REST transport): long texts are planned into requests
// under 5,000 bytes as sent, each synthesized as LINEAR16 (with <mark> timepoints where the voice takes SSML),
// the PCM joined and encoded once, and subtitles timed from the marks or the chunk durations.
import { TextToSpeechClient, v1beta1 } from '@google-cloud/text-to-speech';
import { concatPcm, pcmDurationMs, resamplePcm, type Pcm } from '../domain/audio/pcm';
import { decodeWav } from '../domain/audio/wav';
import { planSpeechRequests, type SpeechRequest } from '../domain/chunking';
import { BoltError, ErrorCode, Stage } from '../domain/errors';
import { DEFAULT_GEMINI_TTS_LIMITS, DEFAULT_GEMINI_TTS_TOKENS, audioTokens, geminiVoice, maxTextBytes, textTokens, voiceSelection, type GeminiTtsLimits, type GeminiTtsTokenRates } from '../domain/gemini-tts';
import { classifyFailure, googleErrorIn, outcomeError } from '../domain/provider-outcomes';
import { buildCues, displayWidth, toSrt, toVtt, type TimedText } from '../domain/subtitles';
import { voiceFeatures } from '../domain/voice-features';
import { DEFAULT_LOUDNESS, type LoudnessReport, type LoudnessTarget } from '../domain/loudness';
import { customPronunciationsField, pronunciationMechanism, pronunciationNotes, ssmlWithPhonemes, termsIn, type Pronunciation, type PronunciationNotes } from '../domain/pronunciation';
import { encodeAudio, type AudioEncoding } from './audio-codec';
import { normaliseNarration } from './loudness';

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
  /** Ignored for voices that do not support it (Chirp HD). */
  speakingRate?: number;
  /** Ignored for voices that do not support it (Chirp HD). */
  pitch?: number;
  /** Sample rate to ask Google for; the voice's natural rate when absent. */
  sampleRateHertz?: number;
  /** Per-request timeout. @default 120000 */
  timeoutMs?: number;
  /** Gemini-TTS only: the style instruction sent as `input.prompt` with every chunk (other families have none). */
  prompt?: string;
  /** Gemini-TTS request limits and token rates. @default the documented ones */
  geminiTts?: { limits?: GeminiTtsLimits; tokens?: GeminiTtsTokenRates };
  /** Called after each request with (done, total), for heartbeats. */
  onProgress?: (done: number, total: number) => void;
  /** Integrated loudness the whole narration is normalised to. @default -16 */
  loudness?: LoudnessTarget;
  /** The agent's terms and how to say them. */
  pronunciations?: Pronunciation[];
}

/** Subtitles of a narration and where their timings came from. */
export interface NarrationSubtitles {
  srt: string;
  vtt: string;
  cues: number;
  /** `marks`: SSML `<mark>` timepoints; `chunks`: sentence shares of each request's duration. */
  timing: 'marks' | 'chunks';
}

export interface Narration {
  body: Buffer;
  contentType: string;
  extension: string;
  durationMs: number;
  /** Duration of each chunk, in order; subtitles are timed from them. */
  chunkDurationsMs: number[];
  chunks: string[];
  /** UTF-8 bytes of each request as sent. */
  requestBytes: number[];
  characters: number;
  subtitles: NarrationSubtitles;
  /** Loudness before and after normalisation. */
  loudness: LoudnessReport;
  /** How the agent's terms reached the voice; absent when none occurs in the text. */
  pronunciations?: PronunciationNotes;
  /** Gemini-TTS only: the model and the tokens billed (text and prompt in, audio out), summed over chunks. */
  tokens?: { model: string; input: number; output: number };
}

/** The v1beta1 client (timepoints) built beside each v1 client from the same options. */
const betaClients = new WeakMap<TextToSpeechClient, v1beta1.TextToSpeechClient>();

function clientOptions({ apiKey, baseUrl }: TtsClientOptions): ConstructorParameters<typeof TextToSpeechClient>[0] {
  if (!baseUrl) return { apiKey, fallback: true };
  const url = new URL(baseUrl);
  return {
    apiKey,
    fallback: true,
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

/** One spoken request of a narration, before assembly. */
export interface ChunkAudio {
  pcm: Pcm;
  /** Mark name → seconds from the start of this chunk's audio. */
  marks: Map<string, number>;
}

const speakable = (r: SpeechRequest) => /\S/u.test(r.units.map((u) => u.text).join(''));

type PlanInput = Pick<NarrationRequest, 'text' | 'language' | 'voice' | 'prompt' | 'geminiTts' | 'pronunciations'>;

/**
 * The requests a narration is sent as, each under its family's limit as sent (5,000 bytes; for Gemini-TTS the
 * text limit, less the prompt's bytes where text and prompt share one); empty ones are skipped.
 */
export function planNarration(req: PlanInput): SpeechRequest[] {
  const gemini = geminiVoice(req.voice);
  if (gemini) {
    const limits = req.geminiTts?.limits ?? DEFAULT_GEMINI_TTS_LIMITS;
    const promptBytes = Buffer.byteLength(req.prompt ?? '', 'utf8');
    if (promptBytes > limits.promptBytes) {
      throw new BoltError(ErrorCode.badRequest, `the style prompt is ${promptBytes} bytes; Gemini-TTS takes at most ${limits.promptBytes}`, { stage: Stage.synthesis });
    }
    return planSpeechRequests(req.text, { ssml: false, locale: req.language, maxBytes: maxTextBytes(limits, promptBytes) }).filter(speakable);
  }
  const terms = req.pronunciations ?? [];
  // <phoneme> markup is rendered inside the planner, so every request is measured with it.
  const renderSsml = terms.length > 0 && pronunciationMechanism(req.voice) === 'ssml-phoneme' ? (t: string) => ssmlWithPhonemes(t, terms) : undefined;
  return planSpeechRequests(req.text, { ssml: voiceFeatures(req.voice).ssml, locale: req.language, renderSsml }).filter(speakable);
}

/** The request's input, with `customPronunciations` for the terms it contains where the family takes them. */
function inputOf(request: SpeechRequest, req: NarrationRequest) {
  const terms = req.pronunciations ?? [];
  if (terms.length === 0 || pronunciationMechanism(req.voice) !== 'custom-pronunciations') return request.input;
  const used = termsIn(request.units.map((u) => u.text).join(''), terms);
  return used.length > 0 ? { ...request.input, customPronunciations: customPronunciationsField(used) } : request.input;
}

/** How many TTS calls a narration costs (for quota accounting before the calls). */
export function countTtsRequests(req: PlanInput): number {
  return planNarration(req).length;
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
      const [res] = await withTimeout(beta.synthesizeSpeech({ input: inputOf(request, req), voice, audioConfig, enableTimePointing: ['SSML_MARK' as never] }, options), timeoutMs);
      audioContent = res.audioContent;
      for (const tp of res.timepoints ?? []) if (tp.markName && typeof tp.timeSeconds === 'number') marks.set(tp.markName, tp.timeSeconds);
    } else {
      const [res] = await withTimeout(client.synthesizeSpeech({ input: { ...inputOf(request, req), ...prompt }, voice, audioConfig }, options), timeoutMs);
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

/**
 * The one assembly step of a narration: the chunks' PCM joined in plan order (at the first chunk's rate),
 * encoded once, and the subtitles timed from marks or chunk durations. Work on the whole PCM (loudness,
 * for one) belongs here, between the join and the encoding.
 */
export async function assembleNarration(
  req: Pick<NarrationRequest, 'text' | 'language' | 'voice' | 'encoding' | 'prompt' | 'geminiTts' | 'loudness' | 'pronunciations'>,
  plan: SpeechRequest[],
  chunks: ChunkAudio[],
): Promise<Narration> {
  if (chunks.length !== plan.length) throw new Error(`a narration of ${plan.length} requests cannot be assembled from ${chunks.length} chunks`);
  const features = voiceFeatures(req.voice);
  const gemini = geminiVoice(req.voice);
  const rate = chunks[0]!.pcm.sampleRate;
  const audio = chunks.map((c) => ({ pcm: resamplePcm(c.pcm, rate), marks: c.marks }));
  // Loudness is set once on the whole narration (per chunk would pump at every join).
  const { pcm: joined, report: loudness } = await normaliseNarration(concatPcm(audio.map((a) => a.pcm)), req.loudness ?? DEFAULT_LOUDNESS, req.encoding);
  const durationMs = pcmDurationMs(joined);
  const encoded = await encodeAudio(joined, req.encoding);
  const chunkDurationsMs = audio.map((a) => pcmDurationMs(a.pcm));
  const timing = features.ssml && features.timepoints ? 'marks' : 'chunks';
  const cues = buildCues(timedUnits(plan, audio, chunkDurationsMs), durationMs, { locale: req.language });
  const rates = req.geminiTts?.tokens ?? DEFAULT_GEMINI_TTS_TOKENS;
  const chunkTexts = plan.map((r) => r.units.map((u) => u.text).join(''));
  const tokens = gemini
    ? {
        model: gemini.model,
        input: chunkTexts.reduce((n, t) => n + textTokens(t, rates) + textTokens(req.prompt ?? '', rates), 0),
        output: chunkDurationsMs.reduce((n, ms) => n + audioTokens(ms, rates), 0),
      }
    : undefined;
  return {
    ...encoded,
    durationMs: Math.round(durationMs),
    chunkDurationsMs,
    chunks: chunkTexts,
    requestBytes: plan.map((r) => r.bytes),
    characters: [...req.text].length,
    subtitles: { srt: toSrt(cues), vtt: toVtt(cues), cues: cues.length, timing },
    loudness,
    pronunciations: pronunciationNotes(req.text, req.voice, req.pronunciations ?? []),
    ...(tokens ? { tokens } : {}),
  };
}

/**
 * Times every unit: from its `<mark>` where the response carried one, else by its share (in display width)
 * of what is left of its chunk's duration.
 */
function timedUnits(plan: SpeechRequest[], audio: ChunkAudio[], chunkMs: number[]): TimedText[] {
  const out: TimedText[] = [];
  let offset = 0;
  plan.forEach((request, c) => {
    const length = chunkMs[c]!;
    const weights = request.units.map((u) => Math.max(1, displayWidth(u.text.replace(/\s+/gu, ''))));
    const starts: number[] = [];
    let remaining = weights.reduce((a, b) => a + b, 0);
    let at = 0;
    request.units.forEach((_, i) => {
      const mark = request.marks[i] !== undefined ? audio[c]!.marks.get(request.marks[i]!) : undefined;
      if (mark !== undefined) at = Math.min(length, Math.max(at, mark * 1000));
      starts.push(at);
      // Without a mark for the next unit, advance by this unit's share of the rest of the chunk.
      at += ((length - at) * weights[i]!) / remaining;
      remaining -= weights[i]!;
    });
    request.units.forEach((u, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]! : length;
      out.push({ text: u.text, startMs: offset + starts[i]!, endMs: offset + Math.max(starts[i]!, end) });
    });
    offset += length;
  });
  return out;
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
