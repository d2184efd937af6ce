// The estimator's public face: the batch estimate, its calibration and judging, and the model pieces callers use.
export { estimateBatch, type BatchEstimate, type CacheCell, type EstimateInput } from './batch';
export { calibrate, type ScriptSample } from './calibration';
export {
  EstimateError,
  NO_CALIBRATION,
  adaptationInputTokens,
  masterInputTokens,
  outputTokens,
  scriptCharacters,
  ttsRequestsFor,
  type Calibration,
  type LanguageEstimate,
} from './cost-model';
export type { Latencies } from './duration-model';
export { compareFigure, judgeEstimate, type BatchActualFigures, type ComparedFigure } from './judging';
export { languageProfile, type LanguageProfile } from './languages';
