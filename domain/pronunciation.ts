// Pure custom pronunciations: an agent's terms with IPA or X-SAMPA, applied the way each voice family documents
// (SSML <phoneme> where it takes SSML, Cloud TTS `customPronunciations` for Chirp 3: HD), or noted as not applied.
import { familyOf, type VoiceFamily } from './catalog';
import { escapeSsml } from './chunking';
import { voiceFeatures } from './voice-features';

/** One term and how to say it. */
export interface Pronunciation {
  term: string;
  alphabet: 'ipa' | 'x-sampa';
  pronunciation: string;
}

/** Most terms an agent may carry. */
export const MAX_PRONUNCIATIONS = 100;

/**
 * Families whose API takes `input.customPronunciations`: Google documents pronunciation control for
 * Chirp 3: HD voices (which take no SSML); the field must not be mixed with `<phoneme>`.
 */
const CUSTOM_PRONUNCIATION_FAMILIES: ReadonlySet<VoiceFamily> = new Set<VoiceFamily>(['chirp3-hd']);

/** How a voice takes pronunciations. */
export type PronunciationMechanism = 'ssml-phoneme' | 'custom-pronunciations' | 'none';

/** How the pronunciations of a job's agent reached its voice, as stored with the job. */
export interface PronunciationNotes {
  mechanism: PronunciationMechanism;
  /** Terms sent to the voice (those that occur in the script). */
  applied: string[];
  /** Terms that occur in the script but could not be sent, with why. */
  notApplied: Array<{ term: string; reason: string }>;
}

/** What happens to the terms of a script spoken by `voice`. */
export function pronunciationNotes(text: string, voice: string, terms: readonly Pronunciation[]): PronunciationNotes | undefined {
  const used = termsIn(text, terms);
  if (used.length === 0) return undefined;
  const mechanism = pronunciationMechanism(voice);
  if (mechanism === 'none') {
    const family = familyOf(voice) ?? 'this';
    return { mechanism, applied: [], notApplied: used.map((t) => ({ term: t.term, reason: `the ${family} voice family takes neither SSML <phoneme> nor custom pronunciations` })) };
  }
  return { mechanism, applied: used.map((t) => t.term), notApplied: [] };
}

export function pronunciationMechanism(voice: string): PronunciationMechanism {
  const family = familyOf(voice);
  if (family && CUSTOM_PRONUNCIATION_FAMILIES.has(family)) return 'custom-pronunciations';
  if (voiceFeatures(voice).ssml) return 'ssml-phoneme';
  return 'none';
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A matcher for whole-term occurrences (not inside longer words), longest terms first. */
export function termMatcher(terms: readonly Pronunciation[]): RegExp | undefined {
  const usable = [...terms].filter((t) => t.term.trim()).sort((a, b) => b.term.length - a.term.length);
  if (usable.length === 0) return undefined;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${usable.map((t) => escapeRe(t.term)).join('|')})(?![\\p{L}\\p{N}])`, 'gu');
}

/** The terms that occur in a text. */
export function termsIn(text: string, terms: readonly Pronunciation[]): Pronunciation[] {
  const re = termMatcher(terms);
  if (!re) return [];
  const seen = new Set(Array.from(text.matchAll(re), (m) => m[0]));
  return terms.filter((t) => seen.has(t.term));
}

/**
 * Escapes a piece of narration for SSML and wraps every term in `<phoneme>`; the rest is escaped as before.
 * A term is matched in the raw text, so escaping never splits it.
 */
export function ssmlWithPhonemes(text: string, terms: readonly Pronunciation[]): string {
  const re = termMatcher(terms);
  if (!re) return escapeSsml(text);
  const byTerm = new Map(terms.map((t) => [t.term, t]));
  let out = '';
  let at = 0;
  for (const m of text.matchAll(re)) {
    const t = byTerm.get(m[0])!;
    out += `${escapeSsml(text.slice(at, m.index))}<phoneme alphabet="${t.alphabet}" ph="${escapeSsml(t.pronunciation)}">${escapeSsml(m[0])}</phoneme>`;
    at = m.index + m[0].length;
  }
  return out + escapeSsml(text.slice(at));
}

/** Cloud TTS `input.customPronunciations` for the terms of one request. */
export function customPronunciationsField(terms: readonly Pronunciation[]) {
  return {
    pronunciations: terms.map((t) => ({
      phrase: t.term,
      phoneticEncoding: t.alphabet === 'ipa' ? ('PHONETIC_ENCODING_IPA' as const) : ('PHONETIC_ENCODING_X_SAMPA' as const),
      pronunciation: t.pronunciation,
    })),
  };
}
