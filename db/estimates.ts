// What the estimator learns from and is judged against: recent scripts with their real sizes and token
// counts, recent job latencies, the scripts the cache already holds, and a batch's actual figures.
import { sql, type Kysely } from 'kysely';
import type { BatchActualFigures, CacheCell, ScriptSample } from '../domain/estimates';
import { oneWithCounters } from './batch-counters';
import type { AgentSnapshot, Database } from './schema';
import { contentKey } from './scripts';

interface ScriptRow {
  batch_id: string;
  title_index: number;
  variation: number;
  language: string;
  kind: 'master' | 'adaptation';
  title_chars: number;
  chars: number;
  input_tokens: number;
  output_tokens: number;
  master_language: string;
  agent: AgentSnapshot | null;
  job_title: string | null;
  created_at: Date;
  calls: number | null;
}

// Narration as synthesized: blocks joined by blank lines, counted in characters (code points).
const narrationChars = sql<number>`(select coalesce(sum(char_length(x)), 0) + 2 * greatest(count(*) - 1, 0) from jsonb_array_elements_text(s.blocks) as x)`;

/**
 * The most recent scripts as calibration samples, optionally only those written before `before`
 * (so a batch is never estimated from its own scripts).
 */
export async function recentScriptSamples(db: Kysely<Database>, opts: { limit?: number; before?: Date; batchIds?: readonly string[] } = {}): Promise<ScriptSample[]> {
  if (opts.batchIds?.length === 0) return [];
  let q = db
    .selectFrom('scripts as s')
    .innerJoin('batches as b', 'b.id', 's.batch_id')
    .leftJoin('script_checks as c', (j) =>
      j.onRef('c.batch_id', '=', 's.batch_id').onRef('c.title_index', '=', 's.title_index').onRef('c.variation', '=', 's.variation').onRef('c.language', '=', 's.language'),
    )
    .select([
      sql<number | null>`jsonb_array_length(c.attempts)`.as('calls'),
      's.batch_id',
      's.title_index',
      's.variation',
      's.language',
      's.kind',
      's.input_tokens',
      's.output_tokens',
      's.created_at',
      'b.master_language',
      sql<number>`char_length(s.title)`.as('title_chars'),
      narrationChars.as('chars'),
      sql<AgentSnapshot | null>`b.options -> 'agent'`.as('agent'),
      sql<string | null>`b.titles ->> s.title_index`.as('job_title'),
    ])
    .orderBy('s.created_at', 'desc')
    .limit(opts.limit ?? 400);
  if (opts.before) q = q.where('s.created_at', '<', opts.before);
  if (opts.batchIds) q = q.where('s.batch_id', 'in', opts.batchIds);
  const rows = (await q.execute()) as ScriptRow[];
  const masters = new Map<string, ScriptRow>();
  for (const r of rows) if (r.kind === 'master') masters.set(`${r.batch_id}|${r.title_index}|${r.variation}`, r);
  const samples: ScriptSample[] = [];
  for (const r of rows) {
    if (!r.agent || typeof r.agent.targetMinutes !== 'number' || r.job_title === null) continue;
    const master = masters.get(`${r.batch_id}|${r.title_index}|${r.variation}`);
    samples.push({
      kind: r.kind,
      language: r.language,
      masterLanguage: r.master_language,
      agent: r.agent,
      // An adaptation prompt carries the master's title, a master prompt the job's title.
      title: r.kind === 'master' ? r.job_title : master ? 'x'.repeat(Number(master.title_chars)) : r.job_title,
      characters: Number(r.chars),
      masterCharacters: r.kind === 'adaptation' && master ? Number(master.chars) : undefined,
      outputTitleChars: Number(r.title_chars),
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      calls: r.calls ?? 1,
    });
  }
  return samples;
}

/** Median wall time of recently completed jobs, in ms, or undefined with fewer than `min` of them. */
export async function recentJobMedianMs(db: Kysely<Database>, opts: { limit?: number; min?: number; before?: Date } = {}): Promise<number | undefined> {
  let q = db
    .selectFrom('jobs')
    .select(sql<number>`extract(epoch from (finished_at - started_at)) * 1000`.as('ms'))
    .where('status', '=', 'completed')
    .where('started_at', 'is not', null)
    .where('finished_at', 'is not', null)
    .orderBy('finished_at', 'desc')
    .limit(opts.limit ?? 200);
  if (opts.before) q = q.where('finished_at', '<', opts.before);
  const ms = (await q.execute()).map((r) => Number(r.ms)).filter((n) => Number.isFinite(n) && n >= 0).sort((a, b) => a - b);
  if (ms.length < (opts.min ?? 5)) return undefined;
  return ms[Math.floor(ms.length / 2)]!;
}

/**
 * What a batch really used: TTS characters of its jobs' scripts, Gemini tokens, spend, and wall time up to
 * `endedAt` (default: when the batch finished; null while it runs).
 */
export async function batchActuals(db: Kysely<Database>, batchId: string, opts: { endedAt?: Date } = {}): Promise<BatchActualFigures> {
  const scripts = await db
    .selectFrom('scripts as s')
    .select(['s.kind', 's.language', 's.title_index', 's.variation', 's.input_tokens', 's.output_tokens', narrationChars.as('chars')])
    .where('s.batch_id', '=', batchId)
    .execute();
  const chars = new Map(scripts.map((s) => [`${s.title_index}|${s.variation}|${s.language}`, Number(s.chars)]));
  const jobs = await db.selectFrom('jobs').select(['title_index', 'variation', 'language', 'status', 'tts_input_tokens', 'tts_output_tokens']).where('batch_id', '=', batchId).execute();
  const batch = await oneWithCounters(db, await db.selectFrom('batches').select(['id', 'created_at', 'finished_at', 'spent_usd']).where('id', '=', batchId).executeTakeFirst());
  const ended = opts.endedAt ?? batch?.finished_at ?? null;
  let ttsCharacters = 0;
  for (const j of jobs) if (j.status === 'completed') ttsCharacters += chars.get(`${j.title_index}|${j.variation}|${j.language}`) ?? 0;
  return {
    jobs: jobs.length,
    completedJobs: jobs.filter((j) => j.status === 'completed').length,
    scripts: { masters: scripts.filter((s) => s.kind === 'master').length, adaptations: scripts.filter((s) => s.kind === 'adaptation').length },
    ttsCharacters,
    ttsTokens: { input: jobs.reduce((n, j) => n + (j.tts_input_tokens ?? 0), 0), output: jobs.reduce((n, j) => n + (j.tts_output_tokens ?? 0), 0) },
    inputTokens: scripts.reduce((n, s) => n + s.input_tokens, 0),
    outputTokens: scripts.reduce((n, s) => n + s.output_tokens, 0),
    spentUsd: Math.round((batch?.spent_usd ?? 0) * 1e6) / 1e6,
    wallSeconds: ended && batch ? (ended.getTime() - new Date(batch.created_at).getTime()) / 1000 : null,
  };
}

/** The batch shape a cache lookup needs: the same fields the script activities hash. */
export interface CacheLookup {
  titles: readonly string[];
  variations: number;
  masterLanguage: string;
  languages: readonly string[];
  /** The model the workers write with (part of the cache key). */
  model: string;
  agent: AgentSnapshot;
  /** Count only cells this user has scripts for, so an estimate reveals nothing of other users' titles. */
  userId?: string;
}

/**
 * Scripts of this batch-to-be that the content-addressed cache already holds, keyed exactly as the
 * script activities key them: masters by title, variation, language, model and agent; adaptations by
 * the cached master's content, language, model, tone and length. Those cells cost no Gemini call.
 */
export async function cachedScriptCells(db: Kysely<Database>, b: CacheLookup): Promise<{ masters: CacheCell[]; scripts: CacheCell[] }> {
  const { premisePrompt, structurePrompt, tone, targetMinutes } = b.agent;
  const masterKeys = new Map<string, CacheCell>();
  b.titles.forEach((title, titleIndex) => {
    for (let variation = 1; variation <= b.variations; variation++) {
      const key = contentKey({ kind: 'master', title, variation, language: b.masterLanguage, model: b.model, agent: { premisePrompt, structurePrompt, tone, targetMinutes } });
      masterKeys.set(key, { titleIndex, variation });
    }
  });
  const masters: CacheCell[] = [];
  const adaptationKeys = new Map<string, CacheCell>();
  const targets = b.languages.filter((l) => l !== b.masterLanguage);
  const keys = [...masterKeys.keys()];
  for (let i = 0; i < keys.length; i += 1000) {
    const rows = await db.selectFrom('script_cache').select(['key', 'title', 'blocks']).where('key', 'in', keys.slice(i, i + 1000)).execute();
    for (const r of rows) {
      const cell = masterKeys.get(r.key)!;
      masters.push(cell);
      const source = contentKey({ title: r.title, blocks: r.blocks });
      for (const language of targets) {
        adaptationKeys.set(contentKey({ kind: 'adaptation', source, language, model: b.model, agent: { tone, targetMinutes } }), { ...cell, language });
      }
    }
  }
  const scripts: CacheCell[] = [];
  const aKeys = [...adaptationKeys.keys()];
  for (let i = 0; i < aKeys.length; i += 1000) {
    const rows = await db.selectFrom('script_cache').select('key').where('key', 'in', aKeys.slice(i, i + 1000)).execute();
    for (const r of rows) scripts.push(adaptationKeys.get(r.key)!);
  }
  if (b.userId === undefined) return { masters, scripts };
  const own = await ownScriptCells(db, b.userId, b);
  const mine = (kind: string, c: CacheCell, language: string) => own.has(`${kind}|${b.titles[c.titleIndex]}|${c.variation}|${language}`);
  return { masters: masters.filter((c) => mine('master', c, b.masterLanguage)), scripts: scripts.filter((c) => mine('adaptation', c, c.language!)) };
}

/** `kind|title|variation|language` of the scripts this user's own batches hold for these titles and model. */
async function ownScriptCells(db: Kysely<Database>, userId: string, b: CacheLookup): Promise<Set<string>> {
  const own = new Set<string>();
  const titles = [...new Set(b.titles)];
  for (let i = 0; i < titles.length; i += 1000) {
    const rows = await db
      .selectFrom('scripts as s')
      .innerJoin('batches as bt', 'bt.id', 's.batch_id')
      .select(['s.kind', 's.variation', 's.language', sql<string>`bt.titles ->> s.title_index`.as('title')])
      .where('bt.user_id', '=', userId)
      .where('s.model', '=', b.model)
      .where(sql<string>`bt.titles ->> s.title_index`, 'in', titles.slice(i, i + 1000))
      .execute();
    for (const r of rows) own.add(`${r.kind}|${r.title}|${r.variation}|${r.language}`);
  }
  return own;
}

/** Recent Gemini-TTS narrations (characters, locale, measured duration): how fast the family really speaks. */
/** The user's most recent batches (by the `batches_user_created` index), optionally created before `before`. */
export async function recentBatchIdsOf(db: Kysely<Database>, userId: string, opts: { limit?: number; before?: Date } = {}): Promise<string[]> {
  let q = db.selectFrom('batches').select('id').where('user_id', '=', userId);
  if (opts.before) q = q.where('created_at', '<', opts.before);
  return (await q.orderBy('created_at', 'desc').limit(opts.limit ?? 50).execute()).map((r) => r.id);
}

export async function recentGeminiSpeech(
  db: Kysely<Database>,
  opts: { limit?: number; before?: Date; batchIds?: readonly string[] } = {},
): Promise<Array<{ characters: number; language: string; durationMs: number }>> {
  if (opts.batchIds?.length === 0) return [];
  let q = db
    .selectFrom('jobs')
    .select(['tts_characters', 'language', 'audio_duration_ms'])
    .where('tts_model', 'is not', null)
    .where('tts_characters', '>', 0)
    .where('audio_duration_ms', 'is not', null);
  if (opts.before) q = q.where('finished_at', '<', opts.before);
  if (opts.batchIds) q = q.where('batch_id', 'in', opts.batchIds);
  const rows = await q.orderBy('finished_at', 'desc').limit(opts.limit ?? 200).execute();
  return rows.map((r) => ({ characters: r.tts_characters ?? 0, language: r.language, durationMs: r.audio_duration_ms ?? 0 }));
}
