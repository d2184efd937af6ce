// Language profiles of the estimator: how text in each language measures in words, Gemini tokens and UTF-8 bytes.

/** How text in a language measures: characters per word, characters per Gemini token, UTF-8 bytes per character. */
export interface LanguageProfile {
  charsPerWord: number;
  charsPerToken: number;
  utf8BytesPerChar: number;
}

const SCRIPTS = {
  latin: { charsPerToken: 3.6, utf8BytesPerChar: 1.03 },
  english: { charsPerToken: 4.0, utf8BytesPerChar: 1.0 },
  cyrillic: { charsPerToken: 3.0, utf8BytesPerChar: 1.85 },
  greek: { charsPerToken: 2.6, utf8BytesPerChar: 1.85 },
  arabic: { charsPerToken: 2.8, utf8BytesPerChar: 1.8 },
  indic: { charsPerToken: 2.4, utf8BytesPerChar: 2.8 },
  thai: { charsPerToken: 2.3, utf8BytesPerChar: 2.9 },
  ethiopic: { charsPerToken: 1.8, utf8BytesPerChar: 2.9 },
  hangul: { charsPerToken: 1.8, utf8BytesPerChar: 2.7 },
  han: { charsPerToken: 1.2, utf8BytesPerChar: 3.0 },
} as const;

// Characters per word include the space and punctuation that follow it. For scripts written without
// spaces (ja, zh, th) a "word" is what Gemini counts when asked for N words: a few characters.
const WORD_LENGTH: Record<string, [number, keyof typeof SCRIPTS]> = {
  en: [5.6, 'english'], pt: [5.8, 'latin'], es: [5.8, 'latin'], fr: [5.8, 'latin'], it: [6.0, 'latin'], de: [6.8, 'latin'],
  nl: [6.3, 'latin'], sv: [6.2, 'latin'], da: [6.0, 'latin'], nb: [6.0, 'latin'], fi: [8.2, 'latin'], et: [7.3, 'latin'],
  hu: [7.5, 'latin'], pl: [7.0, 'latin'], cs: [6.6, 'latin'], sk: [6.6, 'latin'], sl: [6.2, 'latin'], hr: [6.5, 'latin'],
  ro: [6.3, 'latin'], lt: [7.3, 'latin'], lv: [7.2, 'latin'], tr: [7.2, 'latin'], id: [7.0, 'latin'], ms: [6.8, 'latin'],
  fil: [5.8, 'latin'], vi: [4.5, 'latin'], ca: [5.8, 'latin'], eu: [7.6, 'latin'], gl: [5.8, 'latin'], is: [6.2, 'latin'],
  af: [5.6, 'latin'], sw: [6.8, 'latin'],
  ru: [7.0, 'cyrillic'], uk: [6.8, 'cyrillic'], bg: [6.4, 'cyrillic'], sr: [6.4, 'cyrillic'],
  el: [6.6, 'greek'], ar: [5.8, 'arabic'], he: [5.6, 'arabic'], ur: [4.6, 'arabic'],
  hi: [4.6, 'indic'], mr: [6.5, 'indic'], bn: [6.0, 'indic'], gu: [5.8, 'indic'], pa: [4.8, 'indic'], ta: [8.5, 'indic'],
  te: [7.5, 'indic'], kn: [8.0, 'indic'], ml: [9.5, 'indic'],
  th: [7.0, 'thai'], am: [5.0, 'ethiopic'], ko: [3.4, 'hangul'], ja: [2.6, 'han'], cmn: [1.7, 'han'], zh: [1.7, 'han'], yue: [1.7, 'han'],
};

/** The size profile of a locale's base language (defaults to a Latin-script profile). */
export function languageProfile(locale: string): LanguageProfile {
  const base = locale.split('-')[0]!.toLowerCase();
  const [charsPerWord, script] = WORD_LENGTH[base] ?? [6.0, 'latin'];
  return { charsPerWord, ...SCRIPTS[script] };
}

/** Characters per token of our own prompt text, which is written in English. */
export const PROMPT_CHARS_PER_TOKEN = SCRIPTS.english.charsPerToken;
