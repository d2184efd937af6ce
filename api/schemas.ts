// zod schemas of the API's inputs: the single source for validation (and, later, the OpenAPI document).
import { z } from 'zod';
import { BatchMode } from '../domain/plan';

/** BCP-47-style language codes as Google TTS names them (en-US, pt-BR, cmn-CN, yue-HK; es-419 and ar-001 for Gemini-TTS). */
export const LanguageCode = z.string().regex(/^[a-z]{2,3}-([A-Z]{2}|\d{3})$/, 'must look like en-US, cmn-CN or es-419');
/**
 * Catalog voice names: <language>-<family>-<variant>, e.g. pt-BR-Neural2-A or en-US-Chirp3-HD-Charon; Gemini-TTS
 * voices are <language>-<model>-<speaker>, e.g. am-ET-GeminiFlash25-Kore.
 */
export const VoiceName = z.string().regex(/^[a-z]{2,3}-([A-Z]{2}|\d{3})-[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/, 'must be a catalog voice name such as pt-BR-Neural2-A or am-ET-GeminiFlash25-Kore');

/**
 * The agent's style instruction for voices that take one (Gemini-TTS `input.prompt`), e.g. "warm, unhurried,
 * documentary narrator". At most 1,000 characters, so it stays under Google's 4,000-byte prompt limit in any script.
 */
export const VoiceStyle = z.string().trim().min(1).max(1000).meta({ description: 'style prompt for Gemini-TTS voices (input.prompt); ignored, with a note on the job, by voices without a prompt' });

/**
 * Characters that show nothing: whitespace and separators (\p{Z}), format characters such as zero-width
 * spaces and joiners, bidi marks and the BOM (\p{Cf}), controls (\p{Cc}), variation selectors, and the
 * blank letters Hangul fillers and the empty braille pattern.
 */
const INVISIBLE = /[\s\p{Z}\p{Cf}\p{Cc}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}\u115F\u1160\u3164\uFFA0\u2800]/gu;

/** Whether a text shows at least one character. */
export const hasVisibleText = (s: string): boolean => s.replace(INVISIBLE, '').length > 0;

export const Title = z
  .string()
  .trim()
  .min(3, 'a title has at least 3 characters')
  .max(500, 'a title has at most 500 characters')
  .refine(hasVisibleText, 'a title must show something: it has only blank or invisible characters');

export const LanguageVoiceSchema = z
  .object({ language: LanguageCode, voice: VoiceName })
  .strict()
  .refine((lv) => lv.voice.startsWith(`${lv.language}-`), { message: 'the voice must belong to the language (pt-BR takes a pt-BR-… voice)', path: ['voice'] });

/** One term and its pronunciation: IPA (Unicode) or X-SAMPA (printable ASCII). */
export const PronunciationSchema = z
  .object({
    term: z.string().trim().min(1).max(100),
    alphabet: z.enum(['ipa', 'x-sampa']),
    pronunciation: z.string().trim().min(1).max(200).regex(/^[^\p{Cc}<>&]+$/u, 'must not contain control characters, <, > or &'),
  })
  .strict()
  .refine((p) => p.alphabet !== 'x-sampa' || /^[\x20-\x7e]+$/.test(p.pronunciation), { message: 'X-SAMPA is printable ASCII', path: ['pronunciation'] });

/** An agent's terms; each term at most once. */
export const PronunciationsSchema = z
  .array(PronunciationSchema)
  .max(100, 'at most 100 pronunciations')
  .refine((list) => new Set(list.map((p) => p.term)).size === list.length, 'each term at most once');

/** Integrated loudness target in LUFS (`off` keeps the voice's own level). */
export const LoudnessSchema = z.union([z.literal('off'), z.literal(-23), z.literal(-16), z.literal(-14)]);

export const AgentInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100).default('Default narrator'),
    premisePrompt: z.string().trim().min(1).max(10_000).default('Explain the topic of the title to a general audience with concrete facts and examples.'),
    structurePrompt: z.string().trim().min(1).max(10_000).default('A hook, three to five developing blocks, and a short conclusion.'),
    tone: z.string().trim().min(1).max(200).default('warm, clear and engaging'),
    targetMinutes: z.number().min(0.1).max(60).default(5),
    voiceStyle: VoiceStyle.optional(),
    pronunciations: PronunciationsSchema.optional(),
    loudness: LoudnessSchema.optional(),
  })
  .strict();

export const AudioOptionsSchema = z
  .object({
    encoding: z.enum(['MP3', 'OGG_OPUS', 'LINEAR16']).default('MP3'),
    speakingRate: z.number().min(0.25).max(4).optional(),
    pitch: z.number().min(-20).max(20).optional(),
    /** Overrides the agent's loudness target for this batch. */
    loudness: LoudnessSchema.optional(),
  })
  .strict();

/** Where a batch reports its completion; the body is signed with `secret` (see the README). */
export const WebhookSchema = z
  .object({
    url: z
      .string()
      .max(2000)
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL'),
    secret: z.string().min(16, 'at least 16 characters').max(200),
  })
  .strict();

/** Most titles one batch takes. */
export const MAX_TITLES = 1000;

/**
 * The fields every description of a batch shares (`POST /api/batches` and `POST /api/estimates`); each
 * route's schema extends them with what differs (how languages are checked, agents, delivery, assumptions).
 */
export const BatchShapeFields = {
  mode: z.enum([BatchMode.matrix, BatchMode.expandLanguages, BatchMode.expandTitles]),
  titles: z.array(Title).min(1, 'at least one title').max(MAX_TITLES, 'at most 1,000 titles per batch'),
  masterLanguage: LanguageCode.optional(),
  variations: z.number().int().min(1).max(5).default(1),
  budgetUsd: z.number().positive().max(1_000_000).optional(),
};

/** The languages of a batch: 1 to 100 of them. */
export const languageList = <T extends z.ZodTypeAny>(item: T) => z.array(item).min(1, 'at least one language').max(100, 'at most 100 languages per batch');

export const CreateBatchSchema = z
  .object({
    ...BatchShapeFields,
    languages: languageList(LanguageVoiceSchema),
    priority: z.enum(['low', 'normal', 'high']).default('normal'),
    /** An inline agent; mutually exclusive with `agentId`. */
    agent: AgentInputSchema.optional(),
    /** A saved agent (its current version unless `agentVersion` is given). */
    agentId: z.string().uuid('not a valid agent id').optional(),
    agentVersion: z.number().int().min(1).optional(),
    audio: AudioOptionsSchema.prefault({}),
    webhook: WebhookSchema.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.agent && b.agentId) ctx.addIssue({ code: 'custom', message: 'give either agent or agentId, not both', path: ['agentId'] });
    if (b.agentVersion !== undefined && !b.agentId) ctx.addIssue({ code: 'custom', message: 'agentVersion needs agentId', path: ['agentVersion'] });
    // The same title twice would make the same scripts twice (api/title-rules.ts, which the page shows as you type).
    const seen = new Map<string, number>();
    b.titles.forEach((t, i) => {
      const first = seen.get(t.toLowerCase());
      if (first !== undefined) ctx.addIssue({ code: 'custom', message: `duplicate of title ${first + 1}`, path: ['titles', i] });
      else seen.set(t.toLowerCase(), i);
    });
  });

export type CreateBatchInput = z.infer<typeof CreateBatchSchema>;

export const IdParam = z.object({ id: z.string().uuid('not a valid id') });

// ---- accounts ----

export const Email = z.string().trim().max(254).email('must be an email address');
export const Password = z.string().min(8, 'at least 8 characters').max(1024, 'at most 1,024 characters');

/**
 * Login only looks an account up, so it takes any `local@domain`: `.email()` wants a dot in the domain and
 * would refuse the first admin, `admin@localhost`.
 */
const LoginEmail = z.string().trim().max(254).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');

export const LoginSchema = z.object({ email: LoginEmail, password: z.string().min(1).max(1024) }).strict();

export const CreateTokenSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    /** Days until the token expires; it never expires when omitted. */
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

export const CreateUserSchema = z.object({ email: Email, password: Password, role: z.enum(['admin', 'member']).default('member') }).strict();

// ---- agents ----

/** A saved agent's fields; `masterLanguage` is the default master language of batches that use it. */
export const AgentSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    premisePrompt: z.string().trim().min(1).max(10_000),
    structurePrompt: z.string().trim().min(1).max(10_000),
    tone: z.string().trim().min(1).max(200),
    targetMinutes: z.number().min(0.1).max(60),
    masterLanguage: LanguageCode.nullable().default(null),
    voiceStyle: VoiceStyle.nullable().default(null),
    pronunciations: PronunciationsSchema.default([]),
    /** null: the default (-16 LUFS). */
    loudness: LoudnessSchema.nullable().default(null),
  })
  .strict();

export const AgentVersionParams = z.object({ id: z.string().uuid(), version: z.coerce.number().int().min(1).max(1_000_000) });

// ---- lists ----

/** A query-string integer: digits only, so `1e3`, `0x10` and arrays are refused. */
const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((v) => v ?? fallback);

export const PageQuery = z.object({
  page: queryInt(1, 1_000_000, 1).meta({ description: 'page number, from 1' }),
  pageSize: queryInt(1, 200, 25).meta({ description: 'items per page (1–200, default 25)' }),
});

export const BatchListQuery = PageQuery.extend({
  status: z.enum(['pending_start', 'running', 'paused', 'completed', 'cancelled', 'failed', 'budget_exhausted']).optional(),
  all: z.enum(['true', 'false']).optional().meta({ description: "admins: every user's batches" }),
  userId: z.string().uuid('not a valid user id').optional().meta({ description: "admins: one user's batches" }),
}).strict();

export const JobListQuery = PageQuery.extend({
  status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']).optional(),
  language: LanguageCode.optional(),
}).strict();

export const AgentListQuery = PageQuery.strict();

export const ManifestQuery = z.object({ format: z.enum(['json', 'csv']).default('json') }).strict();

export const FileQuery = z
  .object({
    key: z.string().min(1).max(1024),
    expires: z.string().regex(/^\d{1,12}$/, 'must be a unix time in seconds'),
    signature: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex HMAC'),
  })
  .strict();

/** Control routes take no body (an empty JSON object is accepted). */
export const EmptyBody = z.object({}).strict().optional();

export const ConcurrencySchema = z.object({ window: z.number().int().min(1).max(1000) }).strict();
