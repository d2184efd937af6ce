// The batch estimate as POST /api/estimates returns it: cache hits counted, then the cost model and the
// duration model composed into counts, per-language and per-provider figures, cost and duration.
import type { PriceTable } from '../catalog';
import { BatchMode, checkShape, type LanguageVoice } from '../plan';
import type { AgentSnapshot } from '../prompts';
import { NO_CALIBRATION, estimateLanguages, estimateMasters, geminiModelPrice, regenerationFactor, usd, type Calibration, type FamilyCost, type LanguageEstimate } from './cost-model';
import { estimateDuration, type Capacity, type DurationEstimate } from './duration-model';

/** One (title, variation[, language]) already available from earlier work, so it costs nothing again. */
export interface CacheCell {
  titleIndex: number;
  variation: number;
  language?: string;
}

/** Everything an estimate needs; the catalog and prices come from configuration data. */
export interface EstimateInput extends Capacity {
  mode: BatchMode;
  titles: readonly string[];
  languages: readonly LanguageVoice[];
  variations: number;
  masterLanguage: string;
  agent: AgentSnapshot;
  /** Gemini model the scripts are written with. */
  model: string;
  calibration?: Calibration;
  /** Measured ÷ predicted length of recent Gemini-TTS speech (audio tokens follow the duration). @default 1 */
  geminiSpeechRate?: number;
  /** Work already done by earlier batches. */
  cache?: { masters?: readonly CacheCell[]; scripts?: readonly CacheCell[]; audio?: readonly CacheCell[] };
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
      byFamily: Record<string, FamilyCost>;
    };
  };
  cost: { geminiUsd: number; ttsUsd: number; totalUsd: number; currency: 'USD' };
  duration: DurationEstimate;
  basis: { pricesCompiledOn: string; calibrationSamples: number };
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

/** Cache hits, from the sparse list of cells already done: masters, and adapted scripts and audio per language. */
function cacheHits(input: EstimateInput) {
  const T = input.titles.length;
  const targets = new Set(input.languages.map((l) => l.language));
  const validCell = (c: CacheCell) => c.titleIndex >= 0 && c.titleIndex < T && c.variation >= 1 && c.variation <= input.variations;
  const perLanguage = (cells: CacheCell[]) => {
    const hits = new Map<string, number>();
    for (const c of cells) hits.set(c.language!, (hits.get(c.language!) ?? 0) + 1);
    return hits;
  };
  return {
    masters: uniqueCells(input.cache?.masters, validCell, false).length,
    scripts: perLanguage(uniqueCells(input.cache?.scripts, (c) => validCell(c) && c.language !== undefined && c.language !== input.masterLanguage && targets.has(c.language), true)),
    audio: perLanguage(uniqueCells(input.cache?.audio, (c) => validCell(c) && c.language !== undefined && targets.has(c.language), true)),
  };
}

/**
 * Estimates a batch: counts, sizes, tokens, cost and duration, broken down per language and per provider.
 * Throws PlanError for an impossible shape and EstimateError for an unpriced model or voice family.
 */
export function estimateBatch(input: EstimateInput, prices: PriceTable): BatchEstimate {
  checkShape({ mode: input.mode, titles: [...input.titles], languages: [...input.languages], variations: input.variations, masterLanguage: input.masterLanguage });
  const calibration = input.calibration ?? NO_CALIBRATION;
  const model = geminiModelPrice(prices, input.model);
  const { agent, titles, variations, masterLanguage } = input;
  const ctx = { agent, titles, variations, masterLanguage, calibration, regen: regenerationFactor(calibration), model, prices, geminiSpeechRate: input.geminiSpeechRate };
  const hits = cacheHits(input);
  const masters = estimateMasters(ctx, hits.masters);
  const { languages, byFamily, totals } = estimateLanguages(ctx, input.languages, masters, hits);

  const ttsUsd = languages.reduce((s, l) => s + l.ttsCostUsd, 0);
  const geminiUsd = masters.costUsd + languages.reduce((s, l) => s + l.geminiCostUsd, 0);
  const geminiCalls = Math.round((masters.calls + totals.adaptations) * ctx.regen);
  const duration = estimateDuration(
    {
      model: input.model,
      keys: input.keys,
      slots: input.slots,
      latencies: input.latencies,
      masterCalls: masters.calls,
      adaptations: totals.adaptations,
      geminiCalls,
      geminiTokens: totals.inputTokens + totals.outputTokens,
      ttsRequests: totals.ttsRequests,
      adapts: input.languages.some((l) => l.language !== masterLanguage),
    },
    prices,
  );

  return {
    counts: {
      jobs: titles.length * variations * input.languages.length,
      masters: masters.calls,
      adaptations: totals.adaptations,
      syntheses: totals.syntheses,
      cacheHits: { masters: hits.masters, adaptations: totals.adaptationHits, syntheses: totals.audioHits },
    },
    languages,
    providers: {
      gemini: {
        model: input.model,
        calls: geminiCalls,
        regenerations: geminiCalls - masters.calls - totals.adaptations,
        inputTokens: Math.round(totals.inputTokens),
        outputTokens: Math.round(totals.outputTokens),
        costUsd: usd(geminiUsd),
        masters: { calls: masters.calls, inputTokens: Math.round(masters.inputTokens), outputTokens: Math.round(masters.outputTokens), costUsd: usd(masters.costUsd) },
      },
      tts: { requests: totals.ttsRequests, characters: totals.ttsCharacters, tokens: totals.ttsTokens, costUsd: usd(ttsUsd), byFamily },
    },
    cost: { geminiUsd: usd(geminiUsd), ttsUsd: usd(ttsUsd), totalUsd: usd(geminiUsd + ttsUsd), currency: 'USD' },
    duration,
    basis: { pricesCompiledOn: prices.source.compiledOn, calibrationSamples: calibration.samples },
  };
}
