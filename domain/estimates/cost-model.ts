// The estimator's cost model: script sizes, Gemini tokens and TTS requests per script, and what the masters and
// each target language cost at the price table's rates.
import { FAMILY_CAPABILITIES, familyOf, type PriceTable, type VoiceFamily } from '../catalog';
import { TTS_MAX_INPUT_BYTES } from '../chunking';
import { charactersUsd, tokensUsd } from '../costs';
import { DEFAULT_GEMINI_TTS_LIMITS, DEFAULT_GEMINI_TTS_TOKENS, geminiTtsUsd, geminiVoice, maxTextBytes, scriptTokens } from '../gemini-tts';
import type { LanguageVoice } from '../plan';
import { adaptationPrompt, masterPrompt, targetWords, type AgentSnapshot } from '../prompts';
import { PROMPT_CHARS_PER_TOKEN, languageProfile } from './languages';

type ModelPrice = PriceTable['gemini']['models'][string];

/** Multipliers learned from recent scripts (actual ÷ estimated); 1 means "trust the defaults". */
export interface Calibration {
  /** Script characters, per base language. */
  chars: Record<string, number>;
  inputTokens: number;
  outputTokens: number;
  /** Scripts the factors were measured on. */
  samples: number;
  /** Share of scripts that needed the script check's one paid regeneration (0–1). @default 0 */
  regenerationRate?: number;
}

export const NO_CALIBRATION: Calibration = { chars: {}, inputTokens: 1, outputTokens: 1, samples: 0 };

/** Why an estimate cannot be made (unknown model or voice family); reported as a 400. */
export class EstimateError extends Error {
  override readonly name = 'EstimateError';
}

/** Estimate of one target language. */
export interface LanguageEstimate {
  language: string;
  voice: string;
  family: VoiceFamily;
  jobs: number;
  /** Words and characters of one script. */
  wordsPerScript: number;
  charactersPerScript: number;
  /** Scripts whose audio must be made (jobs minus audio cache hits). */
  syntheses: number;
  ttsCharacters: number;
  ttsRequests: number;
  adaptations: number;
  geminiInputTokens: number;
  geminiOutputTokens: number;
  ttsCostUsd: number;
  /** Gemini-TTS voices only: the model and the tokens the syntheses cost (text and prompt in, audio out). */
  ttsTokens?: { model: string; input: number; output: number };
  geminiCostUsd: number;
  costUsd: number;
}

/** TTS use and cost of one voice family; Gemini-TTS is priced by tokens, so its per-character price and free tier are null. */
export interface FamilyCost {
  characters: number;
  costUsd: number;
  perMillionCharacters: number | null;
  freeCharactersPerMonth: number | null;
  tokens?: { input: number; output: number };
}

/** Characters Gemini returns around the narration: JSON keys, quotes, the title and a one-line description. */
const OUTPUT_OVERHEAD_CHARS = 140;
/** Structure prompts ask for a hook, a few blocks and a conclusion. */
const BLOCKS_PER_SCRIPT = 6;
/** Adapter chunks stay under this many bytes (headroom under Google's 5,000). */
const CHUNK_BYTES = TTS_MAX_INPUT_BYTES - 500;

export const usd = (n: number) => Math.round(n * 1e6) / 1e6;

/** Characters of one script in a language, after calibration. */
export function scriptCharacters(agent: Pick<AgentSnapshot, 'targetMinutes'>, language: string, calibration: Calibration = NO_CALIBRATION): number {
  const base = language.split('-')[0]!.toLowerCase();
  return Math.round(targetWords(agent, language) * languageProfile(language).charsPerWord * (calibration.chars[base] ?? 1));
}

/** Uncalibrated input tokens of a master call (system instruction and prompt). */
export function masterInputTokens(agent: AgentSnapshot, title: string, masterLanguage: string, variation = 1): number {
  const p = masterPrompt(agent, title, masterLanguage, variation);
  return (p.systemInstruction.length + p.prompt.length - title.length) / PROMPT_CHARS_PER_TOKEN + title.length / languageProfile(masterLanguage).charsPerToken;
}

/** Uncalibrated input tokens of an adaptation call, given the master's title and narration length. */
export function adaptationInputTokens(agent: AgentSnapshot, language: string, masterTitleChars: number, masterChars: number, masterLanguage: string): number {
  const p = adaptationPrompt(agent, { title: '', blocks: [] }, language);
  const masterJson = masterTitleChars + masterChars + BLOCKS_PER_SCRIPT * 3;
  return (p.systemInstruction.length + p.prompt.length) / PROMPT_CHARS_PER_TOKEN + masterJson / languageProfile(masterLanguage).charsPerToken;
}

/** Uncalibrated output tokens of a call that writes `chars` characters of narration in `language`. */
export function outputTokens(chars: number, titleChars: number, language: string): number {
  return (chars + titleChars + OUTPUT_OVERHEAD_CHARS) / languageProfile(language).charsPerToken;
}

/** TTS requests one script needs (chunked by UTF-8 bytes; `chunkBytes` for families with their own limit). */
export function ttsRequestsFor(chars: number, language: string, chunkBytes = CHUNK_BYTES): number {
  return Math.max(1, Math.ceil((chars * languageProfile(language).utf8BytesPerChar) / chunkBytes));
}

/** The Gemini model's token prices; an unpriced model cannot be estimated. */
export function geminiModelPrice(prices: PriceTable, model: string): ModelPrice {
  const price = prices.gemini.models[model];
  if (!price) throw new EstimateError(`no price for Gemini model ${model}; known: ${Object.keys(prices.gemini.models).join(', ')}`);
  return price;
}

/** Scripts that fail the check are written twice: the expected share adds calls, tokens and cost. */
export const regenerationFactor = (calibration: Calibration) => 1 + Math.min(1, Math.max(0, calibration.regenerationRate ?? 0));

/** What the masters and every language are estimated against. */
export interface CostContext {
  agent: AgentSnapshot;
  titles: readonly string[];
  variations: number;
  masterLanguage: string;
  calibration: Calibration;
  /** Calls per script, regenerations included (see regenerationFactor). */
  regen: number;
  model: ModelPrice;
  prices: PriceTable;
  /** Measured ÷ predicted length of Gemini-TTS speech. */
  geminiSpeechRate?: number;
}

/** The masters: one call per (title, variation) not cached, written in the master language. */
export function estimateMasters(ctx: CostContext, cacheHits: number) {
  const { agent, masterLanguage, variations, calibration, regen } = ctx;
  const T = ctx.titles.length;
  let titleChars = 0;
  let masterIn = 0;
  for (const title of ctx.titles) {
    titleChars += title.length;
    masterIn += masterInputTokens(agent, title, masterLanguage);
  }
  const chars = scriptCharacters(agent, masterLanguage, calibration);
  const calls = T * variations - cacheHits;
  const share = calls / (T * variations);
  const inputTokens = masterIn * variations * share * calibration.inputTokens * regen;
  const outTokens = T * variations * share * outputTokens(chars, titleChars / T, masterLanguage) * calibration.outputTokens * regen;
  return { calls, chars, titleChars, inputTokens, outputTokens: outTokens, costUsd: tokensUsd(ctx.model, inputTokens, outTokens) };
}

/** The voice's family and how it is priced: by tokens (Gemini-TTS) or by characters; unpriced voices cannot be estimated. */
function voicePricing(voice: string, prices: PriceTable) {
  const family = familyOf(voice);
  if (!family) throw new EstimateError(`voice ${voice} belongs to no known family`);
  const gemini = family === 'gemini' ? geminiVoice(voice) : undefined;
  if (family === 'gemini' && !gemini) throw new EstimateError(`unknown Gemini-TTS voice ${voice}`);
  const tokenPrice = gemini ? prices.geminiTts?.models[gemini.model] : undefined;
  if (gemini && !tokenPrice) throw new EstimateError(`no token price for Gemini-TTS model ${gemini.model}`);
  const price = gemini ? undefined : prices.tts.families[family];
  if (!gemini && !price) throw new EstimateError(`no price for voice family ${FAMILY_CAPABILITIES[family].label}`);
  return { family, gemini, price };
}

/** The syntheses of one language: requests, characters and cost; Gemini-TTS is billed by tokens, every other family by characters. */
function synthesesCost(ctx: CostContext, voice: ReturnType<typeof voicePricing>, language: string, chars: number, syntheses: number) {
  const { gemini, price } = voice;
  const prompt = gemini ? ctx.agent.voiceStyle : undefined;
  const limits = ctx.prices.geminiTts?.limits ?? DEFAULT_GEMINI_TTS_LIMITS;
  const perScript = gemini ? ttsRequestsFor(chars, language, maxTextBytes(limits, Buffer.byteLength(prompt ?? '', 'utf8'))) : ttsRequestsFor(chars, language);
  const characters = syntheses * chars;
  const one = gemini ? scriptTokens({ characters: chars, requests: perScript, language, prompt, speechRate: ctx.geminiSpeechRate }, ctx.prices.geminiTts?.tokens ?? DEFAULT_GEMINI_TTS_TOKENS) : undefined;
  const tokens = gemini && one ? { model: gemini.model, input: syntheses * one.input, output: syntheses * one.output } : undefined;
  const costUsd = tokens ? geminiTtsUsd(ctx.prices.geminiTts, tokens.model, tokens.input, tokens.output) : charactersUsd(price!, characters);
  return { requests: syntheses * perScript, characters, tokens, costUsd };
}

/** The masters' figures each language's adaptations are estimated from. */
type MasterFigures = Pick<ReturnType<typeof estimateMasters>, 'chars' | 'titleChars'>;

/**
 * One target language: its adaptations (none for the master language) and syntheses, less the cache hits, with
 * the unrounded Gemini tokens the batch totals add up. Throws EstimateError for an unpriced voice.
 */
function estimateLanguage(ctx: CostContext, { language, voice }: LanguageVoice, master: MasterFigures, hits: { scripts: number; audio: number }) {
  const pricing = voicePricing(voice, ctx.prices);
  const { agent, calibration, regen } = ctx;
  const jobs = ctx.titles.length * ctx.variations;
  const avgTitle = master.titleChars / ctx.titles.length;
  const chars = scriptCharacters(agent, language, calibration);
  const isMaster = language === ctx.masterLanguage;
  const adaptationHits = isMaster ? 0 : hits.scripts;
  const adaptations = isMaster ? 0 : jobs - adaptationHits;
  const inTok = adaptations * adaptationInputTokens(agent, language, avgTitle, master.chars, ctx.masterLanguage) * calibration.inputTokens * regen;
  const outTok = adaptations * outputTokens(chars, avgTitle, language) * calibration.outputTokens * regen;
  const syntheses = jobs - hits.audio;
  const tts = synthesesCost(ctx, pricing, language, chars, syntheses);
  const geminiCost = tokensUsd(ctx.model, inTok, outTok);
  const estimate: LanguageEstimate = {
    language,
    voice,
    family: pricing.family,
    jobs,
    wordsPerScript: targetWords(agent, language),
    charactersPerScript: chars,
    syntheses,
    ttsCharacters: tts.characters,
    ttsRequests: tts.requests,
    adaptations,
    geminiInputTokens: Math.round(inTok),
    geminiOutputTokens: Math.round(outTok),
    ttsCostUsd: usd(tts.costUsd),
    ...(tts.tokens ? { ttsTokens: tts.tokens } : {}),
    geminiCostUsd: usd(geminiCost),
    costUsd: usd(tts.costUsd + geminiCost),
  };
  return { estimate, price: pricing.price, adaptationHits, geminiTokens: { input: inTok, output: outTok }, ttsCostUsd: tts.costUsd };
}

/** Adds one language's syntheses to its voice family's totals (cost unrounded until the end) and to the Gemini-TTS tokens. */
function addFamilyCost(byFamily: Record<string, FamilyCost>, ttsTokens: { input: number; output: number }, l: ReturnType<typeof estimateLanguage>): void {
  const { family, ttsCharacters, ttsTokens: tokens } = l.estimate;
  const fam = (byFamily[family] ??= {
    characters: 0,
    costUsd: 0,
    perMillionCharacters: l.price?.perMillionCharacters ?? null,
    freeCharactersPerMonth: l.price?.freeCharactersPerMonth ?? null,
    ...(tokens ? { tokens: { input: 0, output: 0 } } : {}),
  });
  fam.characters += ttsCharacters;
  fam.costUsd += l.ttsCostUsd;
  if (tokens && fam.tokens) {
    fam.tokens.input += tokens.input;
    fam.tokens.output += tokens.output;
    ttsTokens.input += tokens.input;
    ttsTokens.output += tokens.output;
  }
}

/**
 * Every target language in order, with the per-family totals and the batch totals (Gemini tokens counted on
 * from the masters'). `hits` are the cache hits per language: adapted scripts and audio.
 */
export function estimateLanguages(
  ctx: CostContext,
  languages: readonly LanguageVoice[],
  master: ReturnType<typeof estimateMasters>,
  hits: { scripts: ReadonlyMap<string, number>; audio: ReadonlyMap<string, number> },
) {
  const byFamily: Record<string, FamilyCost> = {};
  const out: LanguageEstimate[] = [];
  const totals = { adaptations: 0, adaptationHits: 0, syntheses: 0, audioHits: 0, ttsCharacters: 0, ttsRequests: 0, ttsTokens: { input: 0, output: 0 }, inputTokens: master.inputTokens, outputTokens: master.outputTokens };
  for (const lv of languages) {
    const audioHits = hits.audio.get(lv.language) ?? 0;
    const l = estimateLanguage(ctx, lv, master, { scripts: hits.scripts.get(lv.language) ?? 0, audio: audioHits });
    addFamilyCost(byFamily, totals.ttsTokens, l);
    out.push(l.estimate);
    totals.adaptations += l.estimate.adaptations;
    totals.adaptationHits += l.adaptationHits;
    totals.syntheses += l.estimate.syntheses;
    totals.audioHits += audioHits;
    totals.ttsCharacters += l.estimate.ttsCharacters;
    totals.ttsRequests += l.estimate.ttsRequests;
    totals.inputTokens += l.geminiTokens.input;
    totals.outputTokens += l.geminiTokens.output;
  }
  for (const f of Object.values(byFamily)) f.costUsd = usd(f.costUsd);
  return { languages: out, byFamily, totals };
}
