// Pure pricing of calls that were really made: a Gemini script by its tokens and model, a synthesis by
// its characters and voice family, and the figures a finished batch is judged by against its estimate.
import { familyOf, type PriceTable } from './catalog';
import type { BatchEstimate } from './estimates';

const usd = (n: number) => Math.round(n * 1e8) / 1e8;

/** Cost of one Gemini call; 0 when the model has no price in the table (the spend is then unknown, not free). */
export function geminiCallUsd(prices: PriceTable, model: string, inputTokens: number, outputTokens: number): number {
  const price = prices.gemini.models[model] ?? prices.gemini.models[model.replace(/^models\//, '')];
  if (!price) return 0;
  return usd((inputTokens * price.inputPerMillionTokens + outputTokens * price.outputPerMillionTokens) / 1e6);
}

/** Cost of synthesizing `characters` with `voice`, at its family's price per 1M characters. */
export function ttsUsd(prices: PriceTable, voice: string, characters: number): number {
  const family = familyOf(voice);
  const price = family ? prices.tts.families[family] : undefined;
  if (!price) return 0;
  return usd((characters * price.perMillionCharacters) / 1e6);
}

/** Characters Google bills for a narration: code points of the text as sent. */
export const billedCharacters = (text: string): number => [...text].length;

/** What a batch really used, written when it ends. */
export interface BatchActualFigures {
  jobs: number;
  completedJobs: number;
  scripts: { masters: number; adaptations: number };
  ttsCharacters: number;
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
export function judgeEstimate(estimate: BatchEstimate, actual: Omit<BatchActualFigures, 'spentUsd'> & { spentUsd?: number }) {
  return {
    ttsCharacters: compareFigure(estimate.providers.tts.characters, actual.ttsCharacters),
    inputTokens: compareFigure(estimate.providers.gemini.inputTokens, actual.inputTokens),
    outputTokens: compareFigure(estimate.providers.gemini.outputTokens, actual.outputTokens),
    geminiTokens: compareFigure(estimate.providers.gemini.inputTokens + estimate.providers.gemini.outputTokens, actual.inputTokens + actual.outputTokens),
    costUsd: actual.spentUsd === undefined ? null : compareFigure(estimate.cost.totalUsd, actual.spentUsd),
    wallSeconds: actual.wallSeconds === null ? null : compareFigure(estimate.duration.seconds, Math.round(actual.wallSeconds)),
  };
}
