// zod schemas of the catalog routes' inputs: voice and language queries, and estimate requests.
import { z } from 'zod';
import { VoiceFamily } from '../domain/catalog';
import { AgentInputSchema, AudioOptionsSchema, BatchShapeFields, LanguageCode, languageList } from './schemas';

/** `GET /api/voices`: a locale (pt-BR, es-419) or a base language (pt), optionally one family, model and gender. */
export const VoicesQuery = z
  .object({
    language: z.string().regex(/^[a-z]{2,3}(-([A-Za-z]{2}|\d{3}))?$/, 'must look like pt-BR, cmn-CN, es-419 or pt').optional(),
    family: z.enum(Object.values(VoiceFamily) as [VoiceFamily, ...VoiceFamily[]]).optional(),
    /** Gemini-TTS model (voices of other families have none). */
    model: z.string().regex(/^gemini-[a-z0-9.-]+-tts$/, 'must be a Gemini-TTS model such as gemini-2.5-flash-tts').optional(),
    gender: z.enum(['MALE', 'FEMALE', 'NEUTRAL']).optional(),
  })
  .strict();

/** `GET /api/languages` takes no parameters. */
export const LanguagesQuery = z.object({}).strict();

/** A target language and its voice; Google spells one locale in lower case (fil-ph-Neural2-A), so the match ignores case. */
const EstimateLanguageVoice = z
  .object({ language: LanguageCode, voice: z.string().regex(/^[a-z]{2,3}-([A-Za-z]{2}|\d{3})-[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/, 'must be a catalog voice name such as pt-BR-Neural2-A or am-ET-GeminiFlash25-Kore') })
  .strict()
  .refine((lv) => lv.voice.toLowerCase().startsWith(`${lv.language.toLowerCase()}-`), {
    message: 'the voice must belong to the language (pt-BR takes a pt-BR-… voice)',
    path: ['voice'],
  });

const count = (max: number) => z.number().int().min(1).max(max);

/**
 * `POST /api/estimates`: the shape of a batch (the same fields as `POST /api/batches`; `priority` and
 * `audio` are accepted and do not change the estimate) plus what the estimate should assume.
 */
export const EstimateSchema = z
  .object({
    ...BatchShapeFields,
    languages: languageList(EstimateLanguageVoice),
    priority: z.enum(['low', 'normal', 'high']).optional(),
    agent: AgentInputSchema.prefault({}),
    audio: AudioOptionsSchema.optional(),
    /** Gemini model; the configured one when absent. */
    model: z.string().regex(/^gemini-[\w.-]+$/, 'must be a Gemini model name such as gemini-2.5-flash').optional(),
    /** Keys (projects) per provider and concurrent worker slots to assume. */
    keys: z.object({ gemini: count(1000).optional(), tts: count(1000).optional() }).strict().optional(),
    slots: z.object({ gemini: count(10_000).optional(), tts: count(10_000).optional() }).strict().optional(),
  })
  .strict();

export type EstimateRequest = z.infer<typeof EstimateSchema>;
