// Pure prompt building for the two Gemini steps: the master script and its cultural adaptation.
import type { LoudnessTarget } from './loudness';
import type { Pronunciation } from './pronunciation';

/** A saved script template (an agent), as a batch captured it. */
export interface AgentSnapshot {
  name: string;
  premisePrompt: string;
  structurePrompt: string;
  tone: string;
  targetMinutes: number;
  /** Style prompt for voices that take one (Gemini-TTS `input.prompt`); other families ignore it, with a note on the job. */
  voiceStyle?: string;
  /** Terms and how to say them (IPA or X-SAMPA), applied where the voice family allows. */
  pronunciations?: Pronunciation[];
  /** Loudness every narration is normalised to, unless the batch sets its own. @default -16 */
  loudness?: LoudnessTarget;
}

/** Words spoken per minute of narration, by base language; used to turn target minutes into words. */
export const WORDS_PER_MINUTE: Record<string, number> = {
  en: 150, pt: 150, es: 160, fr: 150, de: 130, it: 150, nl: 140, ru: 130, pl: 130, tr: 130,
  ar: 130, hi: 140, id: 140, vi: 150, ko: 140, ja: 140, zh: 140, th: 140,
};

/** Target word count of a script in a language. */
export function targetWords(agent: Pick<AgentSnapshot, 'targetMinutes'>, language: string): number {
  const base = language.split('-')[0]!.toLowerCase();
  return Math.max(20, Math.round(agent.targetMinutes * (WORDS_PER_MINUTE[base] ?? 145)));
}

/** The structured output Gemini must return: a title, ordered narration blocks, a short description. */
export const SCRIPT_RESPONSE_SCHEMA = {
  type: 'OBJECT',
  properties: {
    title: { type: 'STRING' },
    blocks: { type: 'ARRAY', items: { type: 'STRING' } },
    description: { type: 'STRING' },
  },
  required: ['title', 'blocks'],
  propertyOrdering: ['title', 'blocks', 'description'],
} as const;

export interface PromptPair {
  systemInstruction: string;
  prompt: string;
}

const NARRATION_RULES =
  'Write narration meant to be spoken by a text-to-speech voice: plain sentences only, no markdown, no headings, ' +
  'no stage directions, no speaker labels, no emojis, no URLs.';

/** Prompt for the master script of a title, written once and shared by every language. */
export function masterPrompt(agent: AgentSnapshot, title: string, language: string, variation: number): PromptPair {
  return {
    systemInstruction: `You are a scriptwriter for video narration. Tone: ${agent.tone}. ${NARRATION_RULES}`,
    prompt: [
      `TASK: MASTER SCRIPT`,
      `LANGUAGE: ${language}`,
      `TARGET LENGTH: approximately ${targetWords(agent, language)} words`,
      `VARIATION: ${variation} (make this version distinct from other variations of the same title)`,
      `PREMISE: ${agent.premisePrompt}`,
      `STRUCTURE: ${agent.structurePrompt}`,
      `TITLE: ${title}`,
      'Return JSON with the video title in this language, the narration as ordered blocks, and a one-sentence description.',
    ].join('\n'),
  };
}

/** Prompt that translates and culturally adapts a master script into another language. */
export function adaptationPrompt(agent: AgentSnapshot, master: { title: string; blocks: string[] }, language: string): PromptPair {
  return {
    systemInstruction:
      `You adapt narration scripts for audiences in other languages and cultures. Tone: ${agent.tone}. ` +
      `Translate and culturally adapt: replace idioms, references, units and examples with ones natural for the audience. ${NARRATION_RULES}`,
    prompt: [
      `TASK: ADAPTATION`,
      `TARGET LANGUAGE: ${language}`,
      `TARGET LENGTH: approximately ${targetWords(agent, language)} words`,
      'Keep the same number of blocks, in the same order, each carrying the same ideas.',
      `SOURCE SCRIPT (JSON): ${JSON.stringify({ title: master.title, blocks: master.blocks })}`,
      'Return JSON with the adapted title, the adapted blocks, and a one-sentence description.',
    ].join('\n'),
  };
}
