// Pure text chunking for TTS: every request must stay under Google's 5,000-byte limit, measured in UTF-8 as sent
// (SSML markup included), and no sentence may run longer than Google accepts.

/** Google Cloud TTS rejects inputs over this many bytes. */
export const TTS_MAX_INPUT_BYTES = 5000;

/**
 * Longest sentence we send, in UTF-8 bytes of its text. Google answers "This request contains sentences
 * that are too long" for long runs without sentence-ending punctuation; its limit is undocumented, so we stay
 * well under the simulator's (see `simulators/tts.ts`), splitting longer sentences at clauses, then words.
 */
export const MAX_SENTENCE_BYTES = 700;

/** Bytes of a string in UTF-8. */
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Escapes text for SSML (`& < > " '`). */
export function escapeSsml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export interface ChunkOptions {
  /** Maximum bytes of one request as sent. @default 4500 (headroom under 5,000 for markup) */
  maxBytes?: number;
  /** Measures a piece as it will be sent (for SSML: escaped and wrapped). @default utf8Bytes */
  measure?: (text: string) => number;
  /** BCP-47 locale for sentence and word segmentation. */
  locale?: string;
  /** Longest sentence, in bytes of its text, before it is split at clauses. @default MAX_SENTENCE_BYTES */
  maxSentenceBytes?: number;
}

const CLAUSE_BREAK = /(?<=[,;:،、，；：—–])/u;

function segments(text: string, locale: string | undefined, granularity: 'sentence' | 'word' | 'grapheme'): string[] {
  const segmenter = new Intl.Segmenter(locale, { granularity });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Splits `piece` at clauses, then words, then graphemes until every part `fits`, and packs parts back greedily. */
function splitToFit(piece: string, fits: (s: string) => boolean, locale: string | undefined, startLevel: number): string[] {
  const levels: Array<(s: string) => string[]> = [
    (s) => segments(s, locale, 'sentence'),
    (s) => s.split(CLAUSE_BREAK),
    (s) => segments(s, locale, 'word'),
    (s) => segments(s, locale, 'grapheme'),
  ];
  const pack = (pieces: string[]): string[] => {
    const out: string[] = [];
    let current = '';
    for (const p of pieces) {
      if (current && !fits(current + p)) {
        out.push(current);
        current = p;
      } else {
        current += p;
      }
    }
    if (current) out.push(current);
    return out;
  };
  const split = (s: string, level: number): string[] => {
    if (fits(s)) return [s];
    if (level >= levels.length) throw new Error('a single grapheme does not fit in one TTS request');
    const parts = levels[level]!(s).filter((p) => p.length > 0);
    if (parts.length <= 1) return split(s, level + 1);
    return pack(parts.flatMap((p) => split(p, level + 1)));
  };
  return split(piece, startLevel);
}

/**
 * Splits text into pieces that each measure at most `maxBytes`: at sentence boundaries first,
 * then clauses, then words, and only as a last resort between graphemes (never inside one).
 * Concatenating the pieces gives back the original text exactly.
 */
export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const maxBytes = options.maxBytes ?? 4500;
  const measure = options.measure ?? utf8Bytes;
  if (text.length === 0) return [];
  return splitToFit(text, (s) => measure(s) <= maxBytes, options.locale, 0);
}

/** One sentence (or, for an over-long sentence, one clause-level piece of it) as spoken. */
export interface SpeechUnit {
  text: string;
  /** False when the sentence goes on in the next unit: such a piece must stand as its own sentence when sent. */
  endsSentence: boolean;
}

/**
 * Cuts text into sentences, splitting any sentence over `maxSentenceBytes` (or whose as-sent form exceeds
 * `maxUnitBytes`) at clauses, then words. Concatenating the units' texts gives back the original exactly.
 */
export function speechUnits(
  text: string,
  options: { locale?: string; maxSentenceBytes?: number; maxUnitBytes?: number; measure?: (s: string) => number } = {},
): SpeechUnit[] {
  const maxSentence = options.maxSentenceBytes ?? MAX_SENTENCE_BYTES;
  const maxUnit = options.maxUnitBytes ?? Infinity;
  const measure = options.measure ?? utf8Bytes;
  const fits = (s: string) => utf8Bytes(s) <= maxSentence && measure(s) <= maxUnit;
  const units: SpeechUnit[] = [];
  for (const sentence of segments(text, options.locale, 'sentence')) {
    if (fits(sentence)) {
      units.push({ text: sentence, endsSentence: true });
      continue;
    }
    const pieces = splitToFit(sentence, fits, options.locale, 1);
    pieces.forEach((p, i) => units.push({ text: p, endsSentence: i === pieces.length - 1 }));
  }
  return units;
}

/** One TTS request: what to send and which units it speaks, in order. */
export interface SpeechRequest {
  /** The input as sent: `{ ssml }` with a `<mark>` before every unit, or `{ text }` for voices without SSML. */
  input: { ssml: string } | { text: string };
  units: SpeechUnit[];
  /** Mark names in `input.ssml`, one per unit (empty for plain text). */
  marks: string[];
  /** UTF-8 bytes of the input as sent. */
  bytes: number;
}

export interface PlanOptions {
  /** Send SSML with `<mark>`s (timings for subtitles) rather than plain text. */
  ssml: boolean;
  locale?: string;
  /** Maximum bytes of one request as sent. @default 4800 */
  maxBytes?: number;
  /** @default MAX_SENTENCE_BYTES */
  maxSentenceBytes?: number;
  /** Renders a unit's text as SSML (for example with `<phoneme>` around terms). @default escapeSsml */
  renderSsml?: (text: string) => string;
}

const SPEAK_OPEN = '<speak>';
const SPEAK_CLOSE = '</speak>';
/** The SSML of one unit: its mark, then its text; a piece of a longer sentence is its own `<s>`. */
const renderUnit = (u: SpeechUnit, mark: string, ownSentence: boolean, render: (s: string) => string = escapeSsml) =>
  `<mark name="${mark}"/>${ownSentence ? `<s>${render(u.text)}</s>` : render(u.text)}`;

/**
 * Plans the TTS requests for a script: sentence units packed greedily so every request, as sent (SSML
 * markup and marks included), is at most `maxBytes` UTF-8 bytes. In plain text a piece of an over-long
 * sentence ends its request, so Google never sees the whole sentence at once; in SSML it is wrapped in `<s>`.
 */
export function planSpeechRequests(text: string, options: PlanOptions): SpeechRequest[] {
  const maxBytes = Math.min(options.maxBytes ?? 4800, TTS_MAX_INPUT_BYTES);
  const overhead = options.ssml ? utf8Bytes(SPEAK_OPEN + SPEAK_CLOSE) : 0;
  // Worst case of one unit's markup: the longest mark name this plan can use and an `<s>` pair.
  const markupMax = options.ssml ? utf8Bytes(renderUnit({ text: '', endsSentence: false }, `u${text.length}`, true)) : 0;
  const render = options.renderSsml ?? escapeSsml;
  const measure = options.ssml ? (s: string) => utf8Bytes(render(s)) : utf8Bytes;
  const units = speechUnits(text, {
    locale: options.locale,
    maxSentenceBytes: options.maxSentenceBytes,
    maxUnitBytes: maxBytes - overhead - markupMax,
    measure,
  });

  const requests: SpeechRequest[] = [];
  let current: SpeechUnit[] = [];
  let currentMarks: string[] = [];
  let parts: string[] = [];
  let bytes = overhead;
  const flush = () => {
    if (current.length === 0) return;
    const body = parts.join('');
    const sent = options.ssml ? SPEAK_OPEN + body + SPEAK_CLOSE : body;
    const input = options.ssml ? { ssml: sent } : { text: sent };
    requests.push({ input, units: current, marks: currentMarks, bytes: utf8Bytes(sent) });
    current = [];
    currentMarks = [];
    parts = [];
    bytes = overhead;
  };
  units.forEach((u, i) => {
    const mark = `u${i}`;
    const prev = i > 0 ? units[i - 1]! : undefined;
    const piece = !u.endsSentence || (prev !== undefined && !prev.endsSentence);
    const rendered = options.ssml ? renderUnit(u, mark, piece, render) : u.text;
    const size = utf8Bytes(rendered);
    if (current.length > 0 && bytes + size > maxBytes) flush();
    current.push(u);
    if (options.ssml) currentMarks.push(mark);
    parts.push(rendered);
    bytes += size;
    if (!options.ssml && !u.endsSentence) flush();
  });
  flush();
  return requests;
}
