// Language identification of a script with franc (trigram models trained on the UDHR), its ISO 639-3 answers
// mapped to the base language of our BCP-47 codes, with groups for languages franc cannot tell apart.
import { francAll } from 'franc';
import { data as francData } from 'franc/data.js';
import { expressions as francScripts } from 'franc/expressions.js';
import { iso6393To1 } from 'iso-639-3';

/** Fewer letters than this and trigram statistics say little: the check is skipped and recorded as such. */
export const MIN_LETTERS_TO_JUDGE = 60;
/** The expected language passes when franc scores it at least this close to its best guess (0–1, best = 1). */
export const CLOSE_SCORE = 0.9;

// Individual languages franc names where our catalog names the macrolanguage (ISO 639-3 → 639-1).
const MACRO: Record<string, string> = {
  arb: 'ar', zlm: 'ms', zsm: 'ms', pes: 'fa', prs: 'fa', uzn: 'uz', swh: 'sw', ekk: 'et', lvs: 'lv', khk: 'mn',
  npi: 'ne', ory: 'or', azj: 'az', plt: 'mg', nob: 'nb', nno: 'nn', tgl: 'fil', cmn: 'zh', yue: 'zh', als: 'sq',
};
// Languages close enough that franc (or a listener) may confuse them: one answer counts for all.
const GROUPS: string[][] = [['zh', 'cmn', 'yue'], ['nb', 'nn', 'no', 'da'], ['hr', 'bs', 'sr'], ['ms', 'id'], ['fil', 'tl']];
/**
 * Languages franc tells apart on longer text only (same script, shared words): a shorter text that it scores as
 * the other one of its pair is not judged. Amharic and Tigrinya (Ethiopic script, a letter a syllable): seeded
 * UDHR texts of 20 words (61–100 letters) were scored as Tigrinya 34 times in 3,000, of 30 words 8 times, the
 * longest at 136 letters; of 40 words and more (135+ letters) never, and Tigrinya text is never passed as Amharic.
 */
const CLOSE_PAIRS: Array<{ pair: readonly [string, string]; minLetters: number }> = [{ pair: ['am', 'ti'], minLetters: 160 }];

/** The comparable base of a BCP-47 tag or ISO 639 code: `cmn-CN` → `zh`, `nb-NO` → `nb`, `eng` → `en`. */
export function baseLanguage(code: string): string {
  const base = code.split('-')[0]!.toLowerCase();
  const one = MACRO[base] ?? (base.length === 3 ? (iso6393To1[base] ?? base) : base);
  return GROUPS.find((g) => g.includes(one))?.[0] ?? one;
}

/** Base languages franc has a model for (every language of its trigram tables and single-language scripts). */
const SUPPORTED: ReadonlySet<string> = new Set([
  ...Object.values(francData).flatMap((langs) => Object.keys(langs)),
  ...Object.keys(francScripts).filter((k) => /^[a-z]{3}$/.test(k)),
].map(baseLanguage));

/** Whether the detector can judge text that should be in this language. */
export function canIdentify(language: string): boolean {
  return SUPPORTED.has(baseLanguage(language));
}

/** What the detector said about a text that should be in `expected`. */
export type LanguageVerdict =
  | { status: 'passed'; expected: string; detected: string; score: number }
  | { status: 'failed'; expected: string; detected: string; score: number }
  | { status: 'skipped'; expected: string; reason: string };

const letters = (text: string) => text.replace(/[^\p{L}]/gu, '').length;

/**
 * Identifies the language of `text` and compares it with `expected` (a BCP-47 tag such as `pt-BR`).
 * `detected` is reported as a BCP-47 base language (`en`, `pt`, `zh`).
 */
export function identifyLanguage(text: string, expected: string): LanguageVerdict {
  const want = baseLanguage(expected);
  const count = letters(text);
  if (count < MIN_LETTERS_TO_JUDGE) return { status: 'skipped', expected, reason: 'too short to judge' };
  if (!SUPPORTED.has(want)) return { status: 'skipped', expected, reason: `the detector has no model for ${expected}` };
  const ranked = francAll(text, { minLength: 10 }).map(([code, score]) => ({ base: baseLanguage(code), score }));
  const top = ranked[0];
  if (!top || top.base === 'und') return { status: 'skipped', expected, reason: 'the detector could not judge the text' };
  const mine = ranked.find((r) => r.base === want);
  const score = Math.round((mine?.score ?? 0) * 1000) / 1000;
  if (top.base === want || score >= CLOSE_SCORE) return { status: 'passed', expected, detected: want, score };
  const close = CLOSE_PAIRS.find(({ pair }) => pair.includes(want) && pair.includes(top.base));
  if (close && count < close.minLetters) {
    return { status: 'skipped', expected, reason: `too short to tell ${expected} from ${top.base} (${count} letters, ${close.minLetters} needed)` };
  }
  return { status: 'failed', expected, detected: top.base, score };
}
