// Pure voice catalog: the Google TTS voices Bolt IA ships, their families and what each family supports,
// and the price table, validated from the JSON data in catalog/ (or from files configured to replace it).
import { z } from 'zod';
import shippedPrices from '../catalog/prices.json';
import shippedVoices from '../catalog/voices.json';
import { GeminiTtsPricesSchema, isGeminiVoiceName, shippedGeminiTtsCatalog, type GeminiTtsCatalog } from './gemini-tts';

/** Voice families, as the part of a voice name after the locale (en-US-Neural2-C → neural2). */
export const VoiceFamily = {
  standard: 'standard',
  wavenet: 'wavenet',
  neural2: 'neural2',
  news: 'news',
  studio: 'studio',
  polyglot: 'polyglot',
  casual: 'casual',
  journey: 'journey',
  chirpHd: 'chirp-hd',
  chirp3Hd: 'chirp3-hd',
  /** Gemini-TTS: a bare speaker plus a model (voice.modelName), taken from the documentation, priced by tokens. */
  gemini: 'gemini',
} as const;
export type VoiceFamily = (typeof VoiceFamily)[keyof typeof VoiceFamily];

/** What a family accepts in a synthesis request. */
export interface FamilyCapabilities {
  /** Display name, as Google's documentation writes it. */
  label: string;
  /** Accepts `input.ssml`. */
  ssml: boolean;
  /** Honours `audioConfig.speakingRate`. */
  speakingRate: boolean;
  /** Honours `audioConfig.pitch`. */
  pitch: boolean;
  /** Can return timepoints for SSML `<mark>`s (subtitle timing). */
  timepoints: boolean;
  /** Takes a natural-language style instruction (`input.prompt`). */
  prompt: boolean;
}

/**
 * Capabilities per family, compiled from Google's voice-type, SSML and Chirp documentation
 * (2026-11-25). Generative families (Journey, Chirp HD, Chirp 3: HD) take plain text or markup only.
 */
export const FAMILY_CAPABILITIES: Readonly<Record<VoiceFamily, FamilyCapabilities>> = {
  standard: { label: 'Standard', ssml: true, speakingRate: true, pitch: true, timepoints: true, prompt: false },
  wavenet: { label: 'WaveNet', ssml: true, speakingRate: true, pitch: true, timepoints: true, prompt: false },
  neural2: { label: 'Neural2', ssml: true, speakingRate: true, pitch: true, timepoints: true, prompt: false },
  news: { label: 'News', ssml: true, speakingRate: true, pitch: true, timepoints: true, prompt: false },
  polyglot: { label: 'Polyglot', ssml: true, speakingRate: true, pitch: true, timepoints: true, prompt: false },
  studio: { label: 'Studio', ssml: true, speakingRate: true, pitch: false, timepoints: false, prompt: false },
  casual: { label: 'Casual', ssml: false, speakingRate: true, pitch: false, timepoints: false, prompt: false },
  journey: { label: 'Journey', ssml: false, speakingRate: false, pitch: false, timepoints: false, prompt: false },
  'chirp-hd': { label: 'Chirp HD', ssml: false, speakingRate: false, pitch: false, timepoints: false, prompt: false },
  'chirp3-hd': { label: 'Chirp 3: HD', ssml: false, speakingRate: true, pitch: false, timepoints: false, prompt: false },
  gemini: { label: 'Gemini-TTS', ssml: false, speakingRate: false, pitch: false, timepoints: false, prompt: true },
};

/** The 30 Chirp 3: HD personas and their genders, as Google documents them. */
export const CHIRP3_HD_PERSONAS: Readonly<Record<string, 'MALE' | 'FEMALE'>> = {
  Achernar: 'FEMALE', Achird: 'MALE', Algenib: 'MALE', Algieba: 'MALE', Alnilam: 'MALE', Aoede: 'FEMALE',
  Autonoe: 'FEMALE', Callirrhoe: 'FEMALE', Charon: 'MALE', Despina: 'FEMALE', Enceladus: 'MALE', Erinome: 'FEMALE',
  Fenrir: 'MALE', Gacrux: 'FEMALE', Iapetus: 'MALE', Kore: 'FEMALE', Laomedeia: 'FEMALE', Leda: 'FEMALE',
  Orus: 'MALE', Puck: 'MALE', Pulcherrima: 'FEMALE', Rasalgethi: 'MALE', Sadachbia: 'MALE', Sadaltager: 'MALE',
  Schedar: 'MALE', Sulafat: 'FEMALE', Umbriel: 'MALE', Vindemiatrix: 'FEMALE', Zephyr: 'FEMALE', Zubenelgenubi: 'MALE',
};

/**
 * Locales whose voices.list answer carries only some Chirp 3: HD personas (ru-RU has the first eight).
 * Every other locale with any Chirp 3: HD voice must have all 30.
 */
export const CHIRP3_HD_PARTIAL_LOCALES: Readonly<Record<string, readonly string[]>> = {
  'ru-RU': ['Aoede', 'Charon', 'Fenrir', 'Kore', 'Leda', 'Orus', 'Puck', 'Zephyr'],
};

const FAMILY_TOKENS: ReadonlyArray<[RegExp, VoiceFamily]> = [
  [/^Chirp3-HD-/, VoiceFamily.chirp3Hd],
  [/^Chirp-HD-/, VoiceFamily.chirpHd],
  [/^Standard-/, VoiceFamily.standard],
  [/^Wavenet-/, VoiceFamily.wavenet],
  [/^Neural2-/, VoiceFamily.neural2],
  [/^News-/, VoiceFamily.news],
  [/^Studio-/, VoiceFamily.studio],
  [/^Polyglot-/, VoiceFamily.polyglot],
  [/^Casual-/, VoiceFamily.casual],
  [/^Journey-/, VoiceFamily.journey],
];

/** A locale-prefixed Google voice name: `<lang>-<REGION>-<Family>-<variant>` (Google writes fil-ph-Neural2-A in lower case). */
export const VOICE_NAME_PATTERN = /^([a-z]{2,3})-([A-Za-z]{2})-([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)$/;

/** Parts of a voice name, or undefined when the name is not a locale voice (Gemini-TTS speakers are bare names). */
export function parseVoiceName(name: string): { locale: string; family?: VoiceFamily; variant: string } | undefined {
  const m = VOICE_NAME_PATTERN.exec(name);
  if (!m) return undefined;
  const locale = `${m[1]}-${m[2]!.toUpperCase()}`;
  const rest = m[3]!;
  for (const [re, family] of FAMILY_TOKENS) {
    if (re.test(rest)) return { locale, family, variant: rest.replace(re, '') };
  }
  return { locale, variant: rest };
}

/** The family a voice belongs to, derived from its name; undefined for names no family matches. */
export function familyOf(name: string): VoiceFamily | undefined {
  if (isGeminiVoiceName(name)) return VoiceFamily.gemini;
  return parseVoiceName(name)?.family;
}

/** A voice as voices.list describes it. */
export const VoiceSchema = z
  .object({
    name: z.string().min(1),
    languageCodes: z.array(z.string().min(2)).min(1),
    ssmlGender: z.enum(['MALE', 'FEMALE', 'NEUTRAL', 'SSML_VOICE_GENDER_UNSPECIFIED']),
    naturalSampleRateHertz: z.number().int().positive(),
  })
  .strict();
export type Voice = z.infer<typeof VoiceSchema>;

/** The voices data file: the list plus where and when it came from. */
export const VoicesFileSchema = z
  .object({
    $comment: z.string().optional(),
    source: z
      .object({
        compiledOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        method: z.string(),
        references: z.array(z.string()).min(1),
        excluded: z.string().optional(),
        lastSync: z
          .object({ at: z.string(), endpoint: z.string(), added: z.number().int(), removed: z.number().int(), changed: z.number().int() })
          .nullable()
          .optional(),
      })
      .strict(),
    voices: z.array(VoiceSchema).min(1),
  })
  .strict();
export type VoicesFile = z.infer<typeof VoicesFileSchema>;

const money = z.number().nonnegative();
const LatencySchema = z.object({ geminiMasterMs: z.number().positive(), geminiAdaptationMs: z.number().positive(), ttsRequestMs: z.number().positive() });

/** The prices and quotas data file. */
export const PricesFileSchema = z.object({
  $comment: z.string().optional(),
  source: z.object({ compiledOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), references: z.array(z.string()).min(1), notes: z.string().optional() }),
  currency: z.literal('USD'),
  tts: z.object({
    families: z.record(z.string(), z.object({ perMillionCharacters: money, freeCharactersPerMonth: z.number().int().nonnegative() })),
  }),
  gemini: z.object({
    models: z.record(z.string(), z.object({ inputPerMillionTokens: money, outputPerMillionTokens: money })),
  }),
  /** Token prices, per-model quotas and request limits of the Gemini-TTS family. */
  geminiTts: GeminiTtsPricesSchema.optional(),
  quotas: z.object({
    tts: z.object({ requestsPerMinute: z.number().positive() }),
    gemini: z.record(z.string(), z.object({ requestsPerMinute: z.number().positive(), tokensPerMinute: z.number().positive() })),
  }),
  latencies: LatencySchema.extend({ $comment: z.string().optional() }),
});
export type PriceTable = z.infer<typeof PricesFileSchema>;

/** A catalog voice: the voices.list facts plus what Bolt IA derives from the name. */
export interface CatalogVoice extends Voice {
  /** Primary locale (first language code). */
  language: string;
  family: VoiceFamily;
  capabilities: FamilyCapabilities;
  /** Gemini-TTS only: the model (voice.modelName) and the bare speaker name sent as voice.name. */
  model?: string;
  speaker?: string;
  /** Gemini-TTS only: GA or Preview for this locale, as documented. */
  readiness?: 'GA' | 'Preview';
}

/** The catalog, indexed for the API and the estimator. */
export interface VoiceCatalog {
  voices: CatalogVoice[];
  byName: ReadonlyMap<string, CatalogVoice>;
  byLanguage: ReadonlyMap<string, CatalogVoice[]>;
  /** Locales with at least one voice, sorted. */
  languages: string[];
  source: VoicesFile['source'];
  /** Families taken from documentation rather than voices.list (Gemini-TTS), with their sources. */
  documented: { gemini?: GeminiTtsCatalog['source'] };
}

/** Thrown when a data file does not hold what the catalog needs; the message says what. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

function issuesOf(err: z.ZodError): string {
  return err.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * Validates a voices file and indexes it, with the documentation-sourced Gemini-TTS family beside it (the
 * shipped one unless `gemini` is given; `null` leaves it out). Voices of unknown families are rejected.
 */
export function buildCatalog(data: unknown, gemini: GeminiTtsCatalog | null = shippedGeminiTtsCatalog()): VoiceCatalog {
  const parsed = VoicesFileSchema.safeParse(data);
  if (!parsed.success) throw new CatalogError(`invalid voices file: ${issuesOf(parsed.error)}`);
  const voices: CatalogVoice[] = [];
  const byName = new Map<string, CatalogVoice>();
  const byLanguage = new Map<string, CatalogVoice[]>();
  for (const v of parsed.data.voices) {
    const parts = parseVoiceName(v.name);
    if (!parts?.family || isGeminiVoiceName(v.name)) throw new CatalogError(`voice ${v.name} has no known family`);
    if (byName.has(v.name)) throw new CatalogError(`voice ${v.name} is listed twice`);
    const cv: CatalogVoice = { ...v, language: v.languageCodes[0]!, family: parts.family, capabilities: FAMILY_CAPABILITIES[parts.family] };
    voices.push(cv);
    byName.set(v.name, cv);
    for (const code of v.languageCodes) {
      const list = byLanguage.get(code) ?? [];
      list.push(cv);
      byLanguage.set(code, list);
    }
  }
  for (const g of gemini?.voices ?? []) {
    const { name, locale, gender, naturalSampleRateHertz, model, speaker, readiness } = g;
    const cv: CatalogVoice = { name, languageCodes: [locale], ssmlGender: gender, naturalSampleRateHertz, language: locale, family: VoiceFamily.gemini, capabilities: FAMILY_CAPABILITIES.gemini, model, speaker, readiness };
    voices.push(cv);
    byName.set(name, cv);
    byLanguage.set(locale, [...(byLanguage.get(locale) ?? []), cv]);
  }
  return { voices, byName, byLanguage, languages: [...byLanguage.keys()].sort(), source: parsed.data.source, documented: gemini ? { gemini: gemini.source } : {} };
}

/** Validates a prices file. */
export function parsePrices(data: unknown): PriceTable {
  const parsed = PricesFileSchema.safeParse(data);
  if (!parsed.success) throw new CatalogError(`invalid prices file: ${issuesOf(parsed.error)}`);
  return parsed.data;
}

/** The voices data shipped in catalog/voices.json. */
export const SHIPPED_VOICES_FILE: unknown = shippedVoices;
/** The prices shipped in catalog/prices.json. */
export const SHIPPED_PRICES_FILE: unknown = shippedPrices;

let shipped: { catalog: VoiceCatalog; prices: PriceTable } | undefined;

/** The shipped catalog and prices, validated once. */
export function shippedCatalog(): { catalog: VoiceCatalog; prices: PriceTable } {
  shipped ??= { catalog: buildCatalog(SHIPPED_VOICES_FILE), prices: parsePrices(SHIPPED_PRICES_FILE) };
  return shipped;
}

/** English display name of a locale (pt-BR → Portuguese (Brazil)); ar-XA is Google's pan-Arabic locale. */
export function languageName(locale: string): string {
  const [lang, region] = locale.split('-');
  const languages = new Intl.DisplayNames(['en'], { type: 'language' });
  const regions = new Intl.DisplayNames(['en'], { type: 'region' });
  const base = languages.of(lang!) ?? lang!;
  if (!region) return base;
  const where = region.toUpperCase() === 'XA' ? 'pan-regional' : (safe(() => regions.of(region.toUpperCase())) ?? region);
  return `${base} (${where})`;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** What changed between two voice lists, by name. */
export interface VoiceDiff {
  added: Voice[];
  removed: Voice[];
  /** Same name, different gender, sample rate or language codes. */
  changed: Array<{ before: Voice; after: Voice }>;
}

/** Compares the catalog's voices with a fresh voices.list answer. */
export function diffVoices(before: readonly Voice[], after: readonly Voice[]): VoiceDiff {
  const old = new Map(before.map((v) => [v.name, v]));
  const now = new Map(after.map((v) => [v.name, v]));
  const added = after.filter((v) => !old.has(v.name));
  const removed = before.filter((v) => !now.has(v.name));
  const changed: VoiceDiff['changed'] = [];
  for (const a of after) {
    const b = old.get(a.name);
    if (!b) continue;
    if (b.ssmlGender !== a.ssmlGender || b.naturalSampleRateHertz !== a.naturalSampleRateHertz || b.languageCodes.join(',') !== a.languageCodes.join(',')) {
      changed.push({ before: b, after: a });
    }
  }
  const byName = (x: Voice, y: Voice) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
  return { added: added.sort(byName), removed: removed.sort(byName), changed };
}
