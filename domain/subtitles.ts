// Pure subtitle building: timed sentences become SRT/VTT cues that are ordered, non-overlapping, at most two
// lines each, and never end after the audio.

/** A stretch of narration with the time it is spoken, in ms from the start of the audio. */
export interface TimedText {
  text: string;
  startMs: number;
  endMs: number;
}

/** One subtitle cue. */
export interface Cue {
  startMs: number;
  endMs: number;
  lines: string[];
}

export interface CueOptions {
  /** Width of one line, counting wide (CJK) characters as two. @default 42 */
  maxLineWidth?: number;
  /** @default 2 */
  maxLines?: number;
  locale?: string;
}

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Text whose every UTF-16 unit is a grapheme of its own and narrow: Latin, Greek and Cyrillic letters and their
 * punctuation, without controls (CR LF is one grapheme) or combining marks (U+0300–U+036F, U+0483–U+0489).
 */
const ONE_UNIT_GRAPHEMES = /^[\u0020-\u02ff\u0370-\u0482\u048a-\u052f]*$/;

/** Display width of a string: wide (East Asian, emoji) graphemes count two. */
export function displayWidth(s: string): number {
  // Most subtitles need no grapheme segmentation, which costs far more than this test.
  if (ONE_UNIT_GRAPHEMES.test(s)) return s.length;
  let w = 0;
  for (const { segment } of GRAPHEMES.segment(s)) w += WIDE.test(segment) ? 2 : 1;
  return w;
}

/** Breaks text into lines of at most `maxWidth`, between words (between graphemes for a word longer than a line). */
export function wrapLines(text: string, maxWidth: number, locale?: string): string[] {
  const words = Array.from(new Intl.Segmenter(locale, { granularity: 'word' }).segment(text), (s) => s.segment);
  const pieces: string[] = [];
  for (const w of words) {
    if (displayWidth(w) <= maxWidth) pieces.push(w);
    else pieces.push(...Array.from(GRAPHEMES.segment(w), (s) => s.segment));
  }
  const lines: string[] = [];
  let line = '';
  for (const p of pieces) {
    const candidate = line + p;
    if (line.trim() && displayWidth(candidate.trim()) > maxWidth) {
      lines.push(line.trim());
      line = p.trimStart();
    } else {
      line = candidate;
    }
  }
  if (line.trim()) lines.push(line.trim());
  return lines;
}

/**
 * Turns timed sentences into cues: each sentence is wrapped into lines, grouped by `maxLines`, and its time
 * shared among its cues by width. Cues are then clamped so they are ordered, never overlap and end within
 * `audioMs`; a cue left with no time is dropped.
 */
export function buildCues(segments: TimedText[], audioMs: number, options: CueOptions = {}): Cue[] {
  const maxWidth = options.maxLineWidth ?? 42;
  const maxLines = options.maxLines ?? 2;
  const end = Math.floor(audioMs);
  const raw: Cue[] = [];
  for (const seg of segments) {
    const text = seg.text.replace(/\s+/gu, ' ').trim();
    if (!text) continue;
    const lines = wrapLines(text, maxWidth, options.locale);
    const groups: string[][] = [];
    for (let i = 0; i < lines.length; i += maxLines) groups.push(lines.slice(i, i + maxLines));
    const widths = groups.map((g) => Math.max(1, displayWidth(g.join(''))));
    const total = widths.reduce((a, b) => a + b, 0);
    let at = seg.startMs;
    const span = Math.max(0, seg.endMs - seg.startMs);
    groups.forEach((g, i) => {
      const next = i === groups.length - 1 ? seg.endMs : at + (span * widths[i]!) / total;
      raw.push({ startMs: at, endMs: next, lines: g });
      at = next;
    });
  }
  const cues: Cue[] = [];
  let prevEnd = 0;
  for (const c of raw) {
    const startMs = Math.max(prevEnd, Math.min(end, Math.round(c.startMs)));
    const endMs = Math.min(end, Math.round(c.endMs));
    if (endMs <= startMs) continue;
    cues.push({ startMs, endMs, lines: c.lines });
    prevEnd = endMs;
  }
  return cues;
}

function clock(ms: number, sep: ',' | '.'): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
}

/** SubRip text of the cues. */
export function toSrt(cues: Cue[]): string {
  return cues.map((c, i) => `${i + 1}\n${clock(c.startMs, ',')} --> ${clock(c.endMs, ',')}\n${c.lines.join('\n')}\n`).join('\n');
}

const escapeVtt = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unescapeVtt = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** WebVTT text of the cues (cue text escaped, as the format requires). */
export function toVtt(cues: Cue[]): string {
  return `WEBVTT\n\n${cues.map((c) => `${clock(c.startMs, '.')} --> ${clock(c.endMs, '.')}\n${c.lines.map(escapeVtt).join('\n')}\n`).join('\n')}`;
}

const TIME_LINE = /^(\d{2,}):(\d{2}):(\d{2})[,.](\d{3}) --> (\d{2,}):(\d{2}):(\d{2})[,.](\d{3})/;
const toMs = (h: string, m: string, s: string, ms: string) => Number(h) * 3_600_000 + Number(m) * 60_000 + Number(s) * 1000 + Number(ms);

function parseBlocks(text: string, vtt: boolean): Cue[] {
  const cues: Cue[] = [];
  for (const block of text.replace(/\r\n/g, '\n').split(/\n{2,}/)) {
    const lines = block.split('\n').filter((l) => l.length > 0);
    const at = lines.findIndex((l) => TIME_LINE.test(l));
    if (at < 0) {
      if (vtt && /^WEBVTT/.test(lines[0] ?? '')) continue;
      if (lines.length === 0) continue;
      throw new Error(`subtitle block without a timing line: ${JSON.stringify(block.slice(0, 80))}`);
    }
    const m = TIME_LINE.exec(lines[at]!)!;
    const body = lines.slice(at + 1);
    cues.push({ startMs: toMs(m[1]!, m[2]!, m[3]!, m[4]!), endMs: toMs(m[5]!, m[6]!, m[7]!, m[8]!), lines: vtt ? body.map(unescapeVtt) : body });
  }
  return cues;
}

/** Reads SubRip text back into cues (for checks). */
export const parseSrt = (text: string): Cue[] => parseBlocks(text, false);

/** Reads WebVTT text back into cues (for checks); throws without the `WEBVTT` header. */
export function parseVtt(text: string): Cue[] {
  if (!text.startsWith('WEBVTT')) throw new Error('not a WebVTT file');
  return parseBlocks(text, true);
}
