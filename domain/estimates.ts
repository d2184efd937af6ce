// Pure estimates of a batch before it runs: calls, script sizes, Gemini tokens, cost by voice family and
// duration from quotas and latencies, per language and per provider. No I/O; fast enough for 1,000 × 80.
import { FAMILY_CAPABILITIES, familyOf, type PriceTable, type VoiceFamily } from './catalog';
import { TTS_MAX_INPUT_BYTES } from './chunking';
import { charactersUsd, tokensUsd } from './costs';
import { DEFAULT_GEMINI_TTS_LIMITS, DEFAULT_GEMINI_TTS_TOKENS, geminiTtsUsd, geminiVoice, maxTextBytes, scriptTokens } from './gemini-tts';
import { BatchMode, checkShape, type LanguageVoice } from './plan';
import { adaptationPrompt, masterPrompt, targetWords, type AgentSnapshot } from './prompts';

/** How text in a language measures: characters per word, characters per Gemini token, UTF-8 bytes per character. */
export interface LanguageProfile {
  charsPerWord: number;
  charsPerToken: number;
  utf8BytesPerChar: number;
}

const SCRIPTS = {
  latin: { charsPerToken: 3.6, utf8BytesPerChar: 1.03 },
  english: { charsPerToken: 4.0, utf8BytesPerChar: 1.0 },
  cyrillic: { charsPerToken: 3.0, utf8BytesPerChar: 1.85 },
  greek: { charsPerToken: 2.6, utf8BytesPerChar: 1.85 },
  arabic: { charsPerToken: 2.8, utf8BytesPerChar: 1.8 },
  indic: { charsPerToken: 2.4, utf8BytesPerChar: 2.8 },
  thai: { charsPerToken: 2.3, utf8BytesPerChar: 2.9 },
  ethiopic: { charsPerToken: 1.8, utf8BytesPerChar: 2.9 },
  hangul: { charsPerToken: 1.8, utf8BytesPerChar: 2.7 },
  han: { charsPerToken: 1.2, utf8BytesPerChar: 3.0 },
} as const;

// Characters per word include the space and punctuation that follow it. For scripts written without
// spaces (ja, zh, th) a "word" is what Gemini counts when asked for N words: a few characters.
const WORD_LENGTH: Record<string, [number, keyof typeof SCRIPTS]> = {
  en: [5.6, 'english'], pt: [5.8, 'latin'], es: [5.8, 'latin'], fr: [5.8, 'latin'], it: [6.0, 'latin'], de: [6.8, 'latin'],
  nl: [6.3, 'latin'], sv: [6.2, 'latin'], da: [6.0, 'latin'], nb: [6.0, 'latin'], fi: [8.2, 'latin'], et: [7.3, 'latin'],
  hu: [7.5, 'latin'], pl: [7.0, 'latin'], cs: [6.6, 'latin'], sk: [6.6, 'latin'], sl: [6.2, 'latin'], hr: [6.5, 'latin'],
  ro: [6.3, 'latin'], lt: [7.3, 'latin'], lv: [7.2, 'latin'], tr: [7.2, 'latin'], id: [7.0, 'latin'], ms: [6.8, 'latin'],
  fil: [5.8, 'latin'], vi: [4.5, 'latin'], ca: [5.8, 'latin'], eu: [7.6, 'latin'], gl: [5.8, 'latin'], is: [6.2, 'latin'],
  af: [5.6, 'latin'], sw: [6.8, 'latin'],
  ru: [7.0, 'cyrillic'], uk: [6.8, 'cyrillic'], bg: [6.4, 'cyrillic'], sr: [6.4, 'cyrillic'],
  el: [6.6, 'greek'], ar: [5.8, 'arabic'], he: [5.6, 'arabic'], ur: [4.6, 'arabic'],
  hi: [4.6, 'indic'], mr: [6.5, 'indic'], bn: [6.0, 'indic'], gu: [5.8, 'indic'], pa: [4.8, 'indic'], ta: [8.5, 'indic'],
  te: [7.5, 'indic'], kn: [8.0, 'indic'], ml: [9.5, 'indic'],
  th: [7.0, 'thai'], am: [5.0, 'ethiopic'], ko: [3.4, 'hangul'], ja: [2.6, 'han'], cmn: [1.7, 'han'], zh: [1.7, 'han'], yue: [1.7, 'han'],
};

/** The size profile of a locale's base language (defaults to a Latin-script profile). */
export function languageProfile(locale: string): LanguageProfile {
  const base = locale.split('-')[0]!.toLowerCase();
  const [charsPerWord, script] = WORD_LENGTH[base] ?? [6.0, 'latin'];
  return { charsPerWord, ...SCRIPTS[script] };
}

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

/** Per-stage latencies in milliseconds. */
export interface Latencies {
  geminiMasterMs: number;
  geminiAdaptationMs: number;
  ttsRequestMs: number;
}

/** One (title, variation[, language]) already available from earlier work, so it costs nothing again. */
export interface CacheCell {
  titleIndex: number;
  variation: number;
  language?: string;
}

/** Everything an estimate needs; the catalog and prices come from configuration data. */
export interface EstimateInput {
  mode: BatchMode;
  titles: readonly string[];
  languages: readonly LanguageVoice[];
  variations: number;
  masterLanguage: string;
  agent: AgentSnapshot;
  /** Gemini model the scripts are written with. */
  model: string;
  /** Keys (Google Cloud projects) available per provider. @default 1 each */
  keys?: { gemini?: number; tts?: number };
  /** Concurrent activity slots across workers. @default gemini 10, tts 8 (one worker) */
  slots?: { gemini?: number; tts?: number };
  /** Latencies measured on recent work; the price file's defaults fill what is missing. */
  latencies?: Partial<Latencies>;
  calibration?: Calibration;
  /** Measured ÷ predicted length of recent Gemini-TTS speech (audio tokens follow the duration). @default 1 */
  geminiSpeechRate?: number;
  /** Work already done by earlier batches. */
  cache?: { masters?: readonly CacheCell[]; scripts?: readonly CacheCell[]; audio?: readonly CacheCell[] };
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

/** The whole estimate, as POST /api/estimates returns it. */
export interface BatchEstimate {
  counts: {
    jobs: number;
    masters: number;
    adaptations: number;
    syntheses: number;
    cacheHits: { masters: number; adaptations: number; syntheses: number };
  };
  languages: LanguageEstimate[];
  providers: {
    gemini: {
      model: string;
      calls: number;
      /** Of `calls`, the expected paid regenerations of scripts that fail the script check. */
      regenerations?: number;
      inputTokens: number;
      outputTokens: number;
      costUsd: number;
      masters: { calls: number; inputTokens: number; outputTokens: number; costUsd: number };
    };
    tts: {
      requests: number;
      characters: number;
      costUsd: number;
      /** Gemini-TTS tokens (text and prompt in, audio out); zero without Gemini-TTS voices. */
      tokens: { input: number; output: number };
      /** Per family; Gemini-TTS is priced by tokens, so its per-character price and free tier are null. */
      byFamily: Record<string, { characters: number; costUsd: number; perMillionCharacters: number | null; freeCharactersPerMonth: number | null; tokens?: { input: number; output: number } }>;
    };
  };
  cost: { geminiUsd: number; ttsUsd: number; totalUsd: number; currency: 'USD' };
  duration: {
    seconds: number;
    bottleneck: 'gemini' | 'tts';
    gemini: { callsPerMinute: number; seconds: number };
    tts: { requestsPerMinute: number; seconds: number };
    latencies: Latencies & { measured: boolean };
  };
  basis: { pricesCompiledOn: string; calibrationSamples: number };
}

/** Why an estimate cannot be made (unknown model or voice family); reported as a 400. */
export class EstimateError extends Error {
  override readonly name = 'EstimateError';
}

/** Characters Gemini returns around the narration: JSON keys, quotes, the title and a one-line description. */
const OUTPUT_OVERHEAD_CHARS = 140;
/** Structure prompts ask for a hook, a few blocks and a conclusion. */
const BLOCKS_PER_SCRIPT = 6;
/** Adapter chunks stay under this many bytes (headroom under Google's 5,000). */
const CHUNK_BYTES = TTS_MAX_INPUT_BYTES - 500;

const usd = (n: number) => Math.round(n * 1e6) / 1e6;

/** Characters of one script in a language, after calibration. */
export function scriptCharacters(agent: Pick<AgentSnapshot, 'targetMinutes'>, language: string, calibration: Calibration = NO_CALIBRATION): number {
  const base = language.split('-')[0]!.toLowerCase();
  return Math.round(targetWords(agent, language) * languageProfile(language).charsPerWord * (calibration.chars[base] ?? 1));
}

/** Uncalibrated input tokens of a master call (system instruction and prompt). */
export function masterInputTokens(agent: AgentSnapshot, title: string, masterLanguage: string, variation = 1): number {
  const p = masterPrompt(agent, title, masterLanguage, variation);
  return (p.systemInstruction.length + p.prompt.length - title.length) / SCRIPTS.english.charsPerToken + title.length / languageProfile(masterLanguage).charsPerToken;
}

/** Uncalibrated input tokens of an adaptation call, given the master's title and narration length. */
export function adaptationInputTokens(agent: AgentSnapshot, language: string, masterTitleChars: number, masterChars: number, masterLanguage: string): number {
  const p = adaptationPrompt(agent, { title: '', blocks: [] }, language);
  const masterJson = masterTitleChars + masterChars + BLOCKS_PER_SCRIPT * 3;
  return (p.systemInstruction.length + p.prompt.length) / SCRIPTS.english.charsPerToken + masterJson / languageProfile(masterLanguage).charsPerToken;
}

/** Uncalibrated output tokens of a call that writes `chars` characters of narration in `language`. */
export function outputTokens(chars: number, titleChars: number, language: string): number {
  return (chars + titleChars + OUTPUT_OVERHEAD_CHARS) / languageProfile(language).charsPerToken;
}

/** TTS requests one script needs (chunked by UTF-8 bytes; `chunkBytes` for families with their own limit). */
export function ttsRequestsFor(chars: number, language: string, chunkBytes = CHUNK_BYTES): number {
  return Math.max(1, Math.ceil((chars * languageProfile(language).utf8BytesPerChar) / chunkBytes));
}

function uniqueCells(cells: readonly CacheCell[] | undefined, ok: (c: CacheCell) => boolean, withLanguage: boolean): CacheCell[] {
  const seen = new Set<string>();
  const out: CacheCell[] = [];
  for (const c of cells ?? []) {
    if (!ok(c)) continue;
    const k = `${c.titleIndex}|${c.variation}|${withLanguage ? c.language : ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(c);
  }
  return out;
}

/**
 * Estimates a batch: counts, sizes, tokens, cost and duration, broken down per language and per provider.
 * Throws PlanError for an impossible shape and EstimateError for an unpriced model or voice family.
 */
export function estimateBatch(input: EstimateInput, prices: PriceTable): BatchEstimate {
  checkShape({ mode: input.mode, titles: [...input.titles], languages: [...input.languages], variations: input.variations, masterLanguage: input.masterLanguage });
  const calibration = input.calibration ?? NO_CALIBRATION;
  const model = prices.gemini.models[input.model];
  if (!model) throw new EstimateError(`no price for Gemini model ${input.model}; known: ${Object.keys(prices.gemini.models).join(', ')}`);
  const { agent, variations, masterLanguage } = input;
  const T = input.titles.length;
  const langIndex = new Map(input.languages.map((l, i) => [l.language, i]));
  const validCell = (c: CacheCell) => c.titleIndex >= 0 && c.titleIndex < T && c.variation >= 1 && c.variation <= variations;

  // Cache hits, from the sparse list of cells already done.
  const masterHits = uniqueCells(input.cache?.masters, validCell, false).length;
  const scriptHitsByLang = new Map<string, number>();
  for (const c of uniqueCells(input.cache?.scripts, (c) => validCell(c) && c.language !== undefined && c.language !== masterLanguage && langIndex.has(c.language), true)) {
    scriptHitsByLang.set(c.language!, (scriptHitsByLang.get(c.language!) ?? 0) + 1);
  }
  const audioHitsByLang = new Map<string, number>();
  for (const c of uniqueCells(input.cache?.audio, (c) => validCell(c) && c.language !== undefined && langIndex.has(c.language), true)) {
    audioHitsByLang.set(c.language!, (audioHitsByLang.get(c.language!) ?? 0) + 1);
  }

  // Masters: one per (title, variation), written in the master language.
  let titleChars = 0;
  let masterIn = 0;
  for (const title of input.titles) {
    titleChars += title.length;
    masterIn += masterInputTokens(agent, title, masterLanguage);
  }
  const masterChars = scriptCharacters(agent, masterLanguage, calibration);
  // Scripts that fail the check are written twice: the expected share adds calls, tokens and cost.
  const regen = 1 + Math.min(1, Math.max(0, calibration.regenerationRate ?? 0));
  const masterCalls = T * variations - masterHits;
  const masterShare = masterCalls / (T * variations);
  const masterInputTokensTotal = masterIn * variations * masterShare * calibration.inputTokens * regen;
  const masterOutputTokensTotal = T * variations * masterShare * outputTokens(masterChars, titleChars / T, masterLanguage) * calibration.outputTokens * regen;
  const masterCost = tokensUsd(model, masterInputTokensTotal, masterOutputTokensTotal);

  const byFamily: BatchEstimate['providers']['tts']['byFamily'] = {};
  const languages: LanguageEstimate[] = [];
  let adaptationsTotal = 0;
  let adaptationHits = 0;
  let synthesesTotal = 0;
  let audioHits = 0;
  let ttsChars = 0;
  let ttsRequests = 0;
  const ttsTokens = { input: 0, output: 0 };
  let inTokens = masterInputTokensTotal;
  let outTokens = masterOutputTokensTotal;
  const avgTitle = titleChars / T;
  for (const { language, voice } of input.languages) {
    const family = familyOf(voice);
    if (!family) throw new EstimateError(`voice ${voice} belongs to no known family`);
    const gemini = family === 'gemini' ? geminiVoice(voice) : undefined;
    if (family === 'gemini' && !gemini) throw new EstimateError(`unknown Gemini-TTS voice ${voice}`);
    const tokenPrice = gemini ? prices.geminiTts?.models[gemini.model] : undefined;
    if (gemini && !tokenPrice) throw new EstimateError(`no token price for Gemini-TTS model ${gemini.model}`);
    const price = gemini ? undefined : prices.tts.families[family];
    if (!gemini && !price) throw new EstimateError(`no price for voice family ${FAMILY_CAPABILITIES[family].label}`);
    const jobs = T * variations;
    const chars = scriptCharacters(agent, language, calibration);
    const isMaster = language === masterLanguage;
    const hitsA = isMaster ? 0 : (scriptHitsByLang.get(language) ?? 0);
    const adaptations = isMaster ? 0 : jobs - hitsA;
    const inTok = adaptations * adaptationInputTokens(agent, language, avgTitle, masterChars, masterLanguage) * calibration.inputTokens * regen;
    const outTok = adaptations * outputTokens(chars, avgTitle, language) * calibration.outputTokens * regen;
    const hitsS = audioHitsByLang.get(language) ?? 0;
    const syntheses = jobs - hitsS;
    const lTtsChars = syntheses * chars;
    const prompt = gemini ? agent.voiceStyle : undefined;
    const limits = prices.geminiTts?.limits ?? DEFAULT_GEMINI_TTS_LIMITS;
    const perScript = gemini ? ttsRequestsFor(chars, language, maxTextBytes(limits, Buffer.byteLength(prompt ?? '', 'utf8'))) : ttsRequestsFor(chars, language);
    const lTtsRequests = syntheses * perScript;
    // Gemini-TTS is billed by tokens (text and prompt in, audio out), every other family by characters.
    const one = gemini ? scriptTokens({ characters: chars, requests: perScript, language, prompt, speechRate: input.geminiSpeechRate }, prices.geminiTts?.tokens ?? DEFAULT_GEMINI_TTS_TOKENS) : undefined;
    const lTokens = gemini && one ? { model: gemini.model, input: syntheses * one.input, output: syntheses * one.output } : undefined;
    const ttsCost = lTokens ? geminiTtsUsd(prices.geminiTts, lTokens.model, lTokens.input, lTokens.output) : charactersUsd(price!, lTtsChars);
    const geminiCost = tokensUsd(model, inTok, outTok);
    const fam = (byFamily[family] ??= { characters: 0, costUsd: 0, perMillionCharacters: price?.perMillionCharacters ?? null, freeCharactersPerMonth: price?.freeCharactersPerMonth ?? null, ...(lTokens ? { tokens: { input: 0, output: 0 } } : {}) });
    fam.characters += lTtsChars;
    fam.costUsd += ttsCost;
    if (lTokens && fam.tokens) {
      fam.tokens.input += lTokens.input;
      fam.tokens.output += lTokens.output;
      ttsTokens.input += lTokens.input;
      ttsTokens.output += lTokens.output;
    }
    languages.push({
      language,
      voice,
      family,
      jobs,
      wordsPerScript: targetWords(agent, language),
      charactersPerScript: chars,
      syntheses,
      ttsCharacters: lTtsChars,
      ttsRequests: lTtsRequests,
      adaptations,
      geminiInputTokens: Math.round(inTok),
      geminiOutputTokens: Math.round(outTok),
      ttsCostUsd: usd(ttsCost),
      ...(lTokens ? { ttsTokens: lTokens } : {}),
      geminiCostUsd: usd(geminiCost),
      costUsd: usd(ttsCost + geminiCost),
    });
    adaptationsTotal += adaptations;
    adaptationHits += hitsA;
    synthesesTotal += syntheses;
    audioHits += hitsS;
    ttsChars += lTtsChars;
    ttsRequests += lTtsRequests;
    inTokens += inTok;
    outTokens += outTok;
  }
  for (const f of Object.values(byFamily)) f.costUsd = usd(f.costUsd);

  const ttsUsd = languages.reduce((s, l) => s + l.ttsCostUsd, 0);
  const geminiUsd = masterCost + languages.reduce((s, l) => s + l.geminiCostUsd, 0);

  // Duration: each provider drains its work at the lowest of quota, token quota and concurrency ÷ latency;
  // the slower one bounds the batch, plus one job's critical path.
  const lat: Latencies = { ...prices.latencies, ...stripUndefined(input.latencies ?? {}) };
  const keys = { gemini: Math.max(1, input.keys?.gemini ?? 1), tts: Math.max(1, input.keys?.tts ?? 1) };
  const slots = { gemini: Math.max(1, input.slots?.gemini ?? 10), tts: Math.max(1, input.slots?.tts ?? 8) };
  const geminiCalls = Math.round((masterCalls + adaptationsTotal) * regen);
  const quota = prices.quotas.gemini[input.model];
  const tokensPerCall = geminiCalls > 0 ? (inTokens + outTokens) / geminiCalls : 0;
  const avgGeminiMs = geminiCalls > 0 ? (masterCalls * lat.geminiMasterMs + adaptationsTotal * lat.geminiAdaptationMs) / geminiCalls : lat.geminiMasterMs;
  const geminiPerMin = Math.min(
    quota ? keys.gemini * quota.requestsPerMinute : Infinity,
    quota && tokensPerCall > 0 ? (keys.gemini * quota.tokensPerMinute) / tokensPerCall : Infinity,
    (slots.gemini * 60_000) / avgGeminiMs,
  );
  const ttsPerMin = Math.min(keys.tts * prices.quotas.tts.requestsPerMinute, (slots.tts * 60_000) / lat.ttsRequestMs);
  const geminiSeconds = geminiCalls > 0 ? (geminiCalls / geminiPerMin) * 60 : 0;
  const ttsSeconds = ttsRequests > 0 ? (ttsRequests / ttsPerMin) * 60 : 0;
  const criticalMs = lat.geminiMasterMs + (input.languages.some((l) => l.language !== masterLanguage) ? lat.geminiAdaptationMs : 0) + lat.ttsRequestMs;
  const seconds = Math.max(geminiSeconds, ttsSeconds) + criticalMs / 1000;

  return {
    counts: {
      jobs: T * variations * input.languages.length,
      masters: masterCalls,
      adaptations: adaptationsTotal,
      syntheses: synthesesTotal,
      cacheHits: { masters: masterHits, adaptations: adaptationHits, syntheses: audioHits },
    },
    languages,
    providers: {
      gemini: {
        model: input.model,
        calls: geminiCalls,
        regenerations: geminiCalls - masterCalls - adaptationsTotal,
        inputTokens: Math.round(inTokens),
        outputTokens: Math.round(outTokens),
        costUsd: usd(geminiUsd),
        masters: { calls: masterCalls, inputTokens: Math.round(masterInputTokensTotal), outputTokens: Math.round(masterOutputTokensTotal), costUsd: usd(masterCost) },
      },
      tts: { requests: ttsRequests, characters: ttsChars, tokens: ttsTokens, costUsd: usd(ttsUsd), byFamily },
    },
    cost: { geminiUsd: usd(geminiUsd), ttsUsd: usd(ttsUsd), totalUsd: usd(geminiUsd + ttsUsd), currency: 'USD' },
    duration: {
      seconds: Math.round(seconds),
      bottleneck: geminiSeconds >= ttsSeconds ? 'gemini' : 'tts',
      gemini: { callsPerMinute: Math.round(geminiPerMin * 10) / 10, seconds: Math.round(geminiSeconds) },
      tts: { requestsPerMinute: Math.round(ttsPerMin * 10) / 10, seconds: Math.round(ttsSeconds) },
      latencies: { ...lat, measured: Object.keys(stripUndefined(input.latencies ?? {})).length > 0 },
    },
    basis: { pricesCompiledOn: prices.source.compiledOn, calibrationSamples: calibration.samples },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** One script written earlier, with what it really cost: the material calibration learns from. */
export interface ScriptSample {
  kind: 'master' | 'adaptation';
  language: string;
  masterLanguage: string;
  agent: AgentSnapshot;
  /** The job title (master) or the master's title (adaptation). */
  title: string;
  /** Narration characters as synthesized (blocks joined by blank lines). */
  characters: number;
  /** For adaptations: narration characters of the master it was adapted from. */
  masterCharacters?: number;
  outputTitleChars: number;
  inputTokens: number;
  outputTokens: number;
  /** Gemini calls the script took: 2 when the script check asked for a regeneration. @default 1 */
  calls?: number;
}

/**
 * Learns multipliers from recent scripts: script length per base language against the default words ×
 * characters-per-word, and Gemini tokens against the default per-script ratios (given the real lengths).
 */
export function calibrate(samples: readonly ScriptSample[]): Calibration {
  if (samples.length === 0) return NO_CALIBRATION;
  const chars = new Map<string, { actual: number; expected: number }>();
  let inActual = 0;
  let inExpected = 0;
  let outActual = 0;
  let outExpected = 0;
  let extraCalls = 0;
  for (const s of samples) {
    // Tokens are compared per call; the regeneration share is learned on its own.
    const calls = Math.max(1, s.calls ?? 1);
    extraCalls += calls - 1;
    const base = s.language.split('-')[0]!.toLowerCase();
    const c = chars.get(base) ?? { actual: 0, expected: 0 };
    c.actual += s.characters;
    c.expected += scriptCharacters(s.agent, s.language);
    chars.set(base, c);
    if (s.inputTokens > 0) {
      inActual += s.inputTokens / calls;
      inExpected +=
        s.kind === 'master'
          ? masterInputTokens(s.agent, s.title, s.masterLanguage)
          : adaptationInputTokens(s.agent, s.language, s.title.length, s.masterCharacters ?? scriptCharacters(s.agent, s.masterLanguage), s.masterLanguage);
    }
    if (s.outputTokens > 0) {
      outActual += s.outputTokens / calls;
      outExpected += outputTokens(s.characters, s.outputTitleChars, s.language);
    }
  }
  const ratio = (a: number, e: number) => (a > 0 && e > 0 ? a / e : 1);
  return {
    chars: Object.fromEntries([...chars].map(([k, v]) => [k, ratio(v.actual, v.expected)])),
    inputTokens: ratio(inActual, inExpected),
    outputTokens: ratio(outActual, outExpected),
    samples: samples.length,
    regenerationRate: extraCalls / samples.length,
  };
}

/** What a batch really used, written when it ends. */
export interface BatchActualFigures {
  jobs: number;
  completedJobs: number;
  scripts: { masters: number; adaptations: number };
  ttsCharacters: number;
  /** Gemini-TTS tokens billed (text and prompt in, audio out). */
  ttsTokens?: { input: number; output: number };
  inputTokens: number;
  outputTokens: number;
  spentUsd: number;
  wallSeconds: number | null;
}

/** One figure, estimated and actual, with the estimate's relative error (null when nothing was used). */
export interface ComparedFigure {
  estimated: number;
  actual: number;
  error: number | null;
}

export function compareFigure(estimated: number, actual: number): ComparedFigure {
  return { estimated, actual, error: actual > 0 ? Math.round(((estimated - actual) / actual) * 1000) / 1000 : null };
}

/** An estimate set beside what the batch really used, so the page can show both and the estimator be judged. */
export function judgeEstimate(estimate: BatchEstimate, actual: BatchActualFigures) {
  return {
    ttsCharacters: compareFigure(estimate.providers.tts.characters, actual.ttsCharacters),
    ttsTokens: compareFigure((estimate.providers.tts.tokens?.input ?? 0) + (estimate.providers.tts.tokens?.output ?? 0), (actual.ttsTokens?.input ?? 0) + (actual.ttsTokens?.output ?? 0)),
    inputTokens: compareFigure(estimate.providers.gemini.inputTokens, actual.inputTokens),
    outputTokens: compareFigure(estimate.providers.gemini.outputTokens, actual.outputTokens),
    geminiTokens: compareFigure(estimate.providers.gemini.inputTokens + estimate.providers.gemini.outputTokens, actual.inputTokens + actual.outputTokens),
    costUsd: compareFigure(estimate.cost.totalUsd, actual.spentUsd),
    wallSeconds: actual.wallSeconds === null ? null : compareFigure(estimate.duration.seconds, Math.round(actual.wallSeconds)),
  };
}
