// zod schemas of the API's inputs: the single source for validation (and, later, the OpenAPI document).
import { z } from 'zod';
import { BatchMode } from '../domain/plan';

/** BCP-47-style language codes as Google TTS names them (en-US, pt-BR, cmn-CN, yue-HK). */
export const LanguageCode = z.string().regex(/^[a-z]{2,3}-[A-Z]{2}$/, 'must look like en-US or cmn-CN');
/** Google TTS voice names: <language>-<family>-<variant>, e.g. pt-BR-Neural2-A or en-US-Chirp3-HD-Charon. */
export const VoiceName = z.string().regex(/^[a-z]{2,3}-[A-Z]{2}-[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/, 'must be a Google voice name such as pt-BR-Neural2-A');

export const Title = z
  .string()
  .trim()
  .min(3, 'a title has at least 3 characters')
  .max(500, 'a title has at most 500 characters');

export const LanguageVoiceSchema = z
  .object({ language: LanguageCode, voice: VoiceName })
  .strict()
  .refine((lv) => lv.voice.startsWith(`${lv.language}-`), { message: 'the voice must belong to the language (pt-BR takes a pt-BR-… voice)', path: ['voice'] });

export const AgentInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100).default('Default narrator'),
    premisePrompt: z.string().trim().min(1).max(10_000).default('Explain the topic of the title to a general audience with concrete facts and examples.'),
    structurePrompt: z.string().trim().min(1).max(10_000).default('A hook, three to five developing blocks, and a short conclusion.'),
    tone: z.string().trim().min(1).max(200).default('warm, clear and engaging'),
    targetMinutes: z.number().min(0.1).max(60).default(5),
  })
  .strict();

export const AudioOptionsSchema = z
  .object({
    encoding: z.enum(['MP3', 'LINEAR16']).default('MP3'),
    speakingRate: z.number().min(0.25).max(4).optional(),
    pitch: z.number().min(-20).max(20).optional(),
  })
  .strict();

export const CreateBatchSchema = z
  .object({
    mode: z.enum([BatchMode.matrix, BatchMode.expandLanguages, BatchMode.expandTitles]),
    titles: z.array(Title).min(1, 'at least one title').max(1000, 'at most 1,000 titles per batch'),
    languages: z.array(LanguageVoiceSchema).min(1, 'at least one language').max(100, 'at most 100 languages per batch'),
    masterLanguage: LanguageCode.optional(),
    variations: z.number().int().min(1).max(5).default(1),
    priority: z.enum(['low', 'normal', 'high']).default('normal'),
    agent: AgentInputSchema.prefault({}),
    audio: AudioOptionsSchema.prefault({}),
  })
  .strict();

export type CreateBatchInput = z.infer<typeof CreateBatchSchema>;

export const IdParam = z.object({ id: z.string().uuid('not a valid id') });
