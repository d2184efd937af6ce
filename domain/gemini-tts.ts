// Pure Gemini-TTS family: its catalog (one voice per speaker, locale and model, from Google's documentation,
// catalog/gemini-tts.json), how a catalog name maps to a request, its request limits and its token costing.
import { z } from 'zod';
import shippedGeminiTts from '../catalog/gemini-tts.json';

const Gender = z.enum(['MALE', 'FEMALE', 'NEUTRAL']);

/** The documentation-sourced Gemini-TTS catalog file. */
export const GeminiTtsFileSchema = z
  .object({
    $comment: z.string().optional(),
    source: z.object({
      compiledOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      references: z.array(z.string()).min(1),
      readiness: z.string().optional(),
      excluded: z.string().optional(),
    }),
    /** `token` is the model's part of a catalog voice name (am-ET-GeminiFlash25-Kore). */
    models: z.array(z.object({ id: z.string().regex(/^gemini-[a-z0-9.-]+-tts$/), token: z.string().regex(/^Gemini[A-Za-z0-9]+$/), label: z.string(), launchStage: z.enum(['GA', 'Preview']), locales: z.array(z.string()).optional() })).min(1),
    speakers: z.array(z.object({ name: z.string().regex(/^[A-Z][a-z]+$/), gender: Gender })).min(1),
    locales: z.array(z.object({ code: z.string().regex(/^[a-z]{2,3}-([A-Z]{2}|\d{3})$/), readiness: z.enum(['GA', 'Preview']) })).min(1),
    naturalSampleRateHertz: z.number().int().positive(),
  })
  .strict();
export type GeminiTtsFile = z.infer<typeof GeminiTtsFileSchema>;

/** One Gemini-TTS catalog voice: a speaker in a locale on a model. */
export interface GeminiVoice {
  /** Catalog name: `<locale>-<model token>-<speaker>`. */
  name: string;
  locale: string;
  speaker: string;
  model: string;
  gender: 'MALE' | 'FEMALE' | 'NEUTRAL';
  /** Launch stage of the locale for this family (GA or Preview), as the documentation gives it. */
  readiness: 'GA' | 'Preview';
  naturalSampleRateHertz: number;
}

/** The validated family: its voices and the models with the locales each serves. */
export interface GeminiTtsCatalog {
  voices: GeminiVoice[];
  models: Map<string, { id: string; token: string; label: string; launchStage: string; locales: Set<string> }>;
  speakers: Map<string, 'MALE' | 'FEMALE' | 'NEUTRAL'>;
  source: GeminiTtsFile['source'];
}

/** `am-ET-GeminiFlash25-Kore` → locale, model token, speaker. Locales may have a numeric region (es-419). */
export const GEMINI_VOICE_PATTERN = /^([a-z]{2,3}-(?:[A-Z]{2}|\d{3}))-(Gemini[A-Za-z0-9]+)-([A-Z][a-z]+)$/;

/** Validates the family's file and expands it into one voice per (speaker, locale, model). */
export function buildGeminiTts(data: unknown): GeminiTtsCatalog {
  const f = GeminiTtsFileSchema.parse(data);
  const all = f.locales.map((l) => l.code);
  const readiness = new Map(f.locales.map((l) => [l.code, l.readiness]));
  const models = new Map(f.models.map((m) => [m.id, { id: m.id, token: m.token, label: m.label, launchStage: m.launchStage, locales: new Set(m.locales ?? all) }]));
  const speakers = new Map(f.speakers.map((s) => [s.name, s.gender]));
  const voices: GeminiVoice[] = [];
  for (const m of models.values()) {
    for (const locale of m.locales) {
      for (const [speaker, gender] of speakers) {
        voices.push({ name: `${locale}-${m.token}-${speaker}`, locale, speaker, model: m.id, gender, readiness: readiness.get(locale) ?? 'Preview', naturalSampleRateHertz: f.naturalSampleRateHertz });
      }
    }
  }
  return { voices, models, speakers, source: f.source };
}

let shipped: GeminiTtsCatalog | undefined;
/** The shipped family (catalog/gemini-tts.json), validated once. */
export function shippedGeminiTtsCatalog(): GeminiTtsCatalog {
  shipped ??= buildGeminiTts(shippedGeminiTts);
  return shipped;
}

const byName = new Map<string, GeminiVoice>();
/** The Gemini-TTS voice a catalog name stands for, or undefined for any other name. */
export function geminiVoice(name: string): GeminiVoice | undefined {
  if (!GEMINI_VOICE_PATTERN.test(name)) return undefined;
  if (byName.size === 0) for (const v of shippedGeminiTtsCatalog().voices) byName.set(v.name, v);
  return byName.get(name);
}

/**
 * `voice` of a synthesize request: a catalog name as is, or for Gemini-TTS (am-ET-GeminiFlash25-Kore) the bare
 * speaker with its model, as Cloud TTS wants them (`name: Kore`, `modelName: gemini-2.5-flash-tts`).
 */
export function voiceSelection(voice: string, language: string): { languageCode: string; name: string; modelName?: string } {
  const gemini = geminiVoice(voice);
  return gemini ? { languageCode: language, name: gemini.speaker, modelName: gemini.model } : { languageCode: language, name: voice };
}

/** Whether a voice name is of the Gemini-TTS family (by its shape, known or not). */
export const isGeminiVoiceName = (name: string): boolean => GEMINI_VOICE_PATTERN.test(name);

/** Per-request limits, in UTF-8 bytes. */
export interface GeminiTtsLimits {
  textBytes: number;
  promptBytes: number;
  combinedBytes: number;
}

/** Token rates: audio tokens per second of speech, text characters per token. */
export interface GeminiTtsTokenRates {
  audioTokensPerSecond: number;
  textCharactersPerToken: number;
}

/** The `geminiTts` section of prices.json. */
export const GeminiTtsPricesSchema = z.object({
  $comment: z.string().optional(),
  source: z.object({ compiledOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), references: z.array(z.string()).min(1), notes: z.string().optional() }),
  models: z.record(z.string(), z.object({ inputPerMillionTextTokens: z.number().nonnegative(), outputPerMillionAudioTokens: z.number().nonnegative(), requestsPerMinute: z.number().positive() })),
  limits: z.object({ textBytes: z.number().int().positive(), promptBytes: z.number().int().positive(), combinedBytes: z.number().int().positive() }),
  tokens: z.object({ audioTokensPerSecond: z.number().positive(), textCharactersPerToken: z.number().positive() }),
});
export type GeminiTtsPrices = z.infer<typeof GeminiTtsPricesSchema>;

/**
 * Text tokens of a request's text and prompt: characters ÷ the documented characters per token, rounded up.
 * Cloud TTS returns no usage, so the same count serves the estimate and the spend.
 */
export function textTokens(text: string, rates: Pick<GeminiTtsTokenRates, 'textCharactersPerToken'>): number {
  const chars = [...text].length;
  return chars === 0 ? 0 : Math.ceil(chars / rates.textCharactersPerToken);
}

/** Audio tokens of `ms` milliseconds of speech. */
export const audioTokens = (ms: number, rates: Pick<GeminiTtsTokenRates, 'audioTokensPerSecond'>): number => Math.ceil((ms / 1000) * rates.audioTokensPerSecond);

/** USD of a Gemini-TTS call (or sum of calls) at a model's token prices; 0 for an unpriced model. */
export function geminiTtsUsd(prices: GeminiTtsPrices | undefined, model: string, inputTokens: number, outputTokens: number): number {
  const p = prices?.models[model];
  if (!p) return 0;
  return Math.round(((inputTokens * p.inputPerMillionTextTokens + outputTokens * p.outputPerMillionAudioTokens) / 1e6) * 1e8) / 1e8;
}

/** The longest text one request may carry next to `prompt`, in bytes (with headroom for safety). */
export function maxTextBytes(limits: GeminiTtsLimits, promptBytes: number): number {
  return Math.max(200, Math.min(limits.textBytes, limits.combinedBytes - promptBytes) - 100);
}

/** The documented defaults, used when a prices file has no `geminiTts` section. */
export const DEFAULT_GEMINI_TTS_LIMITS: GeminiTtsLimits = { textBytes: 4000, promptBytes: 4000, combinedBytes: 8000 };
export const DEFAULT_GEMINI_TTS_TOKENS: GeminiTtsTokenRates = { audioTokensPerSecond: 32, textCharactersPerToken: 4 };

/**
 * Characters spoken per second at a narrator's pace, by base language: about 14 for alphabetic scripts (150 words
 * a minute), half that where a character is a syllable or a word. Google does not publish a rate; recent jobs
 * calibrate it (see `calibrateSpeechRate`).
 */
export function charactersPerSecond(language: string): number {
  const base = language.split('-')[0]!.toLowerCase();
  return ['cmn', 'zh', 'yue', 'ja', 'ko'].includes(base) ? 7 : 14;
}

/** Tokens one script costs on Gemini-TTS: its text and the prompt once per request in, its speech out. */
export function scriptTokens(
  o: { characters: number; requests: number; language: string; prompt?: string; speechRate?: number },
  rates: GeminiTtsTokenRates = DEFAULT_GEMINI_TTS_TOKENS,
): { input: number; output: number } {
  const promptTokens = o.prompt ? textTokens(o.prompt, rates) : 0;
  const input = Math.ceil(o.characters / rates.textCharactersPerToken) + o.requests * promptTokens;
  const seconds = (o.characters / charactersPerSecond(o.language)) * (o.speechRate ?? 1);
  return { input, output: Math.ceil(seconds * rates.audioTokensPerSecond) };
}

/**
 * How much longer real Gemini-TTS speech runs than the default rate predicts, from recent narrations
 * (characters and measured milliseconds); 1 without samples.
 */
export function calibrateSpeechRate(samples: ReadonlyArray<{ characters: number; language: string; durationMs: number }>): number {
  let expected = 0;
  let actual = 0;
  for (const s of samples) {
    if (s.characters <= 0 || s.durationMs <= 0) continue;
    expected += s.characters / charactersPerSecond(s.language);
    actual += s.durationMs / 1000;
  }
  return expected > 0 && actual > 0 ? actual / expected : 1;
}
