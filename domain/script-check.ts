// Pure script check before speech is bought: language (identified, never guessed from characters), length
// against the agent's target in the one table the estimator also uses, and artefacts a voice would read aloud.
import { languageProfile } from './estimates';
import { identifyLanguage, type LanguageVerdict } from './language-id';
import { targetWords, type AgentSnapshot } from './prompts';

/** How far a script may stray from its target length, either way. */
export const LENGTH_TOLERANCE = 0.15;

/** Base languages written without spaces between words: their length is counted in characters. */
const NO_SPACES = new Set(['ja', 'zh', 'cmn', 'yue', 'th', 'lo', 'km', 'my', 'bo']);

/** How a language's script length is counted. */
export type LengthUnit = 'words' | 'characters';

export function lengthUnit(language: string): LengthUnit {
  return NO_SPACES.has(language.split('-')[0]!.toLowerCase()) ? 'characters' : 'words';
}

/** Words (or, for languages without spaces, letters and digits) of a text, as the check counts them. */
export function measureLength(text: string, language: string): number {
  if (lengthUnit(language) === 'characters') return (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
  return text.split(/\s+/u).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/**
 * Target length of a script: the estimator's words for the agent's minutes, or for languages without spaces
 * those words times the language's characters per word (the same table the estimate sizes scripts with).
 */
export function lengthTarget(agent: Pick<AgentSnapshot, 'targetMinutes'>, language: string): { unit: LengthUnit; target: number } {
  return wordsToTarget(targetWords(agent, language), language);
}

/** The length target for a script asked for in `words` words. */
export function wordsToTarget(words: number, language: string): { unit: LengthUnit; target: number } {
  const unit = lengthUnit(language);
  // charsPerWord counts the space and punctuation after a word; letters alone are about 85% of it.
  return { unit, target: unit === 'words' ? words : Math.round(words * languageProfile(language).charsPerWord * 0.85) };
}

/** One artefact found, by kind, with a short sample of the offending text. */
export interface Artefact {
  kind: 'markdown_emphasis' | 'title_label' | 'heading' | 'bullet' | 'stage_direction' | 'speaker_label' | 'url' | 'chatter';
  sample: string;
}

/** Kinds that are removed in place (no regeneration): their removal cannot change what the narration says. */
export const TRIVIAL_ARTEFACTS: ReadonlySet<Artefact['kind']> = new Set(['markdown_emphasis', 'title_label']);

const EMPHASIS = /(\*\*|__)(?=\S)([^*_\n]+?)(?<=\S)\1|(?<![\p{L}\p{N}*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\p{L}\p{N}*])/gu;
const TITLE_LABEL = /^\s*(title|título|titre|titel|titolo)\s*:\s*/iu;
const HEADING = /^\s*#{1,6}\s+\S/mu;
const BULLET = /^\s*(?:[-*•▪◦–]|\d{1,2}[.)])\s+\S/mu;
const STAGE = /\[[^\]\n]{1,60}\]|\((?:music|sound|sfx|pause|intro|outro|applause|laughs?|beat|música|musique|musik)[^)\n]{0,40}\)/iu;
const SPEAKER = /^\s*(?:narrator|narrador|narradora|narrateur|narratrice|erzähler(?:in)?|host|speaker|presenter|voice[- ]?over|vo|locutor|apresentador)\s*(?:\d+)?\s*:/imu;
const URL = /\bhttps?:\/\/\S+|\bwww\.[\p{L}\p{N}-]+\.\S+/iu;
const CHATTER = [
  /^\s*(?:sure|certainly|of course|absolutely|okay|ok)\b[!,.:]/iu,
  /\bhere(?:'s| is) (?:your|the|a) (?:script|narration|draft|version)\b/iu,
  /\b(?:let me know if|i hope this|as an ai\b|word count|feel free to (?:ask|adjust))/iu,
];

const sample = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s);

/** Every artefact in the script (title and blocks). */
export function findArtefacts(script: { title: string; blocks: readonly string[] }): Artefact[] {
  const out: Artefact[] = [];
  const add = (kind: Artefact['kind'], m: RegExpExecArray | RegExpMatchArray | null) => {
    if (m) out.push({ kind, sample: sample(m[0].trim()) });
  };
  if (TITLE_LABEL.test(script.title)) add('title_label', TITLE_LABEL.exec(script.title));
  const first = script.blocks[0] ?? '';
  if (TITLE_LABEL.test(first)) add('title_label', TITLE_LABEL.exec(first));
  // The title is stored, not spoken: only its emphasis is worth cleaning.
  add('markdown_emphasis', script.title.match(EMPHASIS));
  for (const block of script.blocks) {
    add('markdown_emphasis', block.match(EMPHASIS));
    add('heading', HEADING.exec(block));
    add('bullet', BULLET.exec(block));
    add('stage_direction', STAGE.exec(block));
    add('speaker_label', SPEAKER.exec(block));
    add('url', URL.exec(block));
    for (const re of CHATTER) add('chatter', re.exec(block));
  }
  return out;
}

/** Removes trivial artefacts: emphasis markers (keeping their words) and a leading "Title:" label or line. */
export function cleanTrivial(script: { title: string; blocks: readonly string[] }): { title: string; blocks: string[] } {
  const unemphasise = (s: string) => s.replace(EMPHASIS, (_m, _d, a: string | undefined, b: string | undefined) => a ?? b ?? '');
  let blocks = [...script.blocks];
  if (blocks[0] !== undefined && TITLE_LABEL.test(blocks[0])) {
    // "Title: X" as its own line before the narration: drop the line; glued to narration: drop the label.
    const [line, ...rest] = blocks[0].split('\n');
    blocks[0] = rest.length > 0 ? rest.join('\n').trim() : line!.replace(TITLE_LABEL, '');
    if (!blocks[0]) blocks = blocks.slice(1);
  }
  return { title: unemphasise(script.title.replace(TITLE_LABEL, '')).trim(), blocks: blocks.map((b) => unemphasise(b).trim()).filter((b) => b) };
}

/** The verdict on one script. */
export interface ScriptCheckResult {
  ok: boolean;
  language: LanguageVerdict;
  length: { unit: LengthUnit; count: number; target: number; ratio: number; ok: boolean };
  /** Artefacts that were cleaned in place. */
  cleaned: Artefact[];
  /** Artefacts that need a new script. */
  artefacts: Artefact[];
  /** Readable reasons the script fails; empty when it passes. */
  reasons: string[];
}

/**
 * Checks a script for the job's language and the agent's target; trivial artefacts are cleaned first and
 * the cleaned script is returned (identical to the input when nothing was cleaned).
 */
export function checkScript(
  script: { title: string; blocks: readonly string[] },
  input: { language: string; agent: Pick<AgentSnapshot, 'targetMinutes'> },
): { result: ScriptCheckResult; script: { title: string; blocks: string[] } } {
  const found = findArtefacts(script);
  const cleaned = found.filter((a) => TRIVIAL_ARTEFACTS.has(a.kind));
  const fixed = cleaned.length > 0 ? cleanTrivial(script) : { title: script.title, blocks: [...script.blocks] };
  const artefacts = cleaned.length > 0 ? findArtefacts(fixed) : found;
  const text = fixed.blocks.join('\n\n');
  const language = identifyLanguage(text, input.language);
  const { unit, target } = lengthTarget(input.agent, input.language);
  const count = measureLength(text, input.language);
  const ratio = Math.round((count / target) * 1000) / 1000;
  const lengthOk = Math.abs(count - target) <= target * LENGTH_TOLERANCE;
  const reasons: string[] = [];
  if (language.status === 'failed') reasons.push(`the script is in ${language.detected}, not ${language.expected}`);
  if (!lengthOk) {
    reasons.push(`the script has ${count} ${unit}; the target is ${target} ${unit} (±${LENGTH_TOLERANCE * 100}%)${count > target ? ': too long' : ': too short'}`);
  }
  if (artefacts.length > 0) reasons.push(`the script contains text that is not narration: ${artefacts.map((a) => `${a.kind.replace('_', ' ')} "${a.sample}"`).join('; ')}`);
  return {
    result: { ok: reasons.length === 0, language, length: { unit, count, target, ratio, ok: lengthOk }, cleaned, artefacts, reasons },
    script: fixed,
  };
}

/** Line a regeneration's prompt carries: the reasons the last script was rejected. */
export const REJECTION_LINE = 'PREVIOUS ATTEMPT REJECTED:';

/** The prompt of the one paid regeneration: the original, plus why the last script failed. */
export function withRejection<P extends { prompt: string }>(prompt: P, reasons: readonly string[]): P {
  return { ...prompt, prompt: `${prompt.prompt}\n${REJECTION_LINE} ${reasons.join(' | ')}. Write the whole script again and fix exactly this.` };
}

/** How a script's check ended: as written, after trivial cleaning, after the one regeneration, or failed. */
export type ScriptCheckOutcome = 'passed' | 'cleaned' | 'regenerated' | 'failed';

/** One checked attempt, as stored with the job. */
export type ScriptCheckAttempt = ScriptCheckResult & { attempt: number };

/** The outcome of a check over one or two attempts. */
export function outcomeOf(attempts: readonly ScriptCheckAttempt[]): ScriptCheckOutcome {
  const last = attempts[attempts.length - 1];
  if (!last?.ok) return 'failed';
  if (attempts.length > 1) return 'regenerated';
  return last.cleaned.length > 0 ? 'cleaned' : 'passed';
}
