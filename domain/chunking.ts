// Pure text chunking for TTS: every request must stay under Google's 5,000-byte limit, measured in UTF-8 as sent.

/** Google Cloud TTS rejects inputs over this many bytes. */
export const TTS_MAX_INPUT_BYTES = 5000;

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
}

const CLAUSE_BREAK = /(?<=[,;:،、，；：—–])/u;

function segments(text: string, locale: string | undefined, granularity: 'sentence' | 'word' | 'grapheme'): string[] {
  const segmenter = new Intl.Segmenter(locale, { granularity });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * Splits text into pieces that each measure at most `maxBytes`: at sentence boundaries first,
 * then clauses, then words, and only as a last resort between graphemes (never inside one).
 * Concatenating the pieces gives back the original text exactly.
 */
export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const maxBytes = options.maxBytes ?? 4500;
  const measure = options.measure ?? utf8Bytes;
  const locale = options.locale;
  const levels: Array<(s: string) => string[]> = [
    (s) => segments(s, locale, 'sentence'),
    (s) => s.split(CLAUSE_BREAK),
    (s) => segments(s, locale, 'word'),
    (s) => segments(s, locale, 'grapheme'),
  ];

  const split = (piece: string, level: number): string[] => {
    if (measure(piece) <= maxBytes) return [piece];
    if (level >= levels.length) throw new Error(`a single grapheme exceeds ${maxBytes} bytes`);
    const parts = levels[level]!(piece).filter((p) => p.length > 0);
    if (parts.length <= 1) return split(piece, level + 1);
    return pack(parts.flatMap((p) => split(p, level + 1)));
  };

  // Greedily packs small pieces back together so requests are as few as the limit allows.
  const pack = (pieces: string[]): string[] => {
    const out: string[] = [];
    let current = '';
    for (const p of pieces) {
      if (current && measure(current + p) > maxBytes) {
        out.push(current);
        current = p;
      } else {
        current += p;
      }
    }
    if (current) out.push(current);
    return out;
  };

  if (text.length === 0) return [];
  return split(text, 0);
}
