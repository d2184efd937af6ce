// A narration's request and result, and its one assembly step: the chunks' PCM joined, loudness set, encoded
// once, and subtitles timed from the voice's <mark> timepoints or from each chunk's duration.
import { concatPcm, pcmDurationMs, resamplePcm, type Pcm } from '../domain/audio/pcm';
import type { SpeechRequest } from '../domain/chunking';
import { DEFAULT_GEMINI_TTS_TOKENS, audioTokens, geminiVoice, textTokens, type GeminiTtsLimits, type GeminiTtsTokenRates } from '../domain/gemini-tts';
import { DEFAULT_LOUDNESS, type LoudnessReport, type LoudnessTarget } from '../domain/loudness';
import { pronunciationNotes, type Pronunciation, type PronunciationNotes } from '../domain/pronunciation';
import { buildCues, displayWidth, toSrt, toVtt, type TimedText } from '../domain/subtitles';
import { voiceFeatures } from '../domain/voice-features';
import type { AudioEncoding } from './audio-codec';
import { finishNarrationAudio } from './audio-pool';

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

/** One spoken request of a narration, before assembly. */
export interface ChunkAudio {
  pcm: Pcm;
  /** Mark name → seconds from the start of this chunk's audio. */
  marks: Map<string, number>;
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
  // Loudness is set once on the whole narration (per chunk would pump at every join), then it is encoded once:
  // both on the audio thread pool, off this event loop.
  const joined = concatPcm(audio.map((a) => a.pcm));
  const durationMs = pcmDurationMs(joined);
  const { loudness, ...encoded } = await finishNarrationAudio(joined, req.loudness ?? DEFAULT_LOUDNESS, req.encoding);
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
