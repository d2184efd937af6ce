// Judging the estimator: an estimate set beside what the batch really used, figure by figure.
import type { BatchEstimate } from './batch';

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
