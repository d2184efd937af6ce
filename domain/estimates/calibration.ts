// Calibration of the estimator: multipliers learned from recent scripts, comparing what they really measured
// with what the cost model expected of them.
import type { AgentSnapshot } from '../prompts';
import { NO_CALIBRATION, adaptationInputTokens, masterInputTokens, outputTokens, scriptCharacters, type Calibration } from './cost-model';

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
