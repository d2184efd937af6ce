// What the estimator learns from and is judged against: recent scripts with their real sizes and token
// counts, recent job latencies, and a finished batch's actual characters, tokens and wall time.
import { sql, type Kysely } from 'kysely';
import type { ScriptSample } from '../domain/estimates';
import type { AgentSnapshot, Database } from './schema';

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
}

// Narration as synthesized: blocks joined by blank lines, counted in characters (code points).
const narrationChars = sql<number>`(select coalesce(sum(char_length(x)), 0) + 2 * greatest(count(*) - 1, 0) from jsonb_array_elements_text(s.blocks) as x)`;

/**
 * The most recent scripts as calibration samples, optionally only those written before `before`
 * (so a batch is never estimated from its own scripts).
 */
export async function recentScriptSamples(db: Kysely<Database>, opts: { limit?: number; before?: Date } = {}): Promise<ScriptSample[]> {
  let q = db
    .selectFrom('scripts as s')
    .innerJoin('batches as b', 'b.id', 's.batch_id')
    .select([
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

/** What a batch really used: TTS characters of its jobs' scripts, Gemini tokens, and wall time. */
export interface BatchActuals {
  jobs: number;
  completedJobs: number;
  scripts: { masters: number; adaptations: number };
  ttsCharacters: number;
  inputTokens: number;
  outputTokens: number;
  wallSeconds: number | null;
}

export async function batchActuals(db: Kysely<Database>, batchId: string): Promise<BatchActuals> {
  const scripts = await db
    .selectFrom('scripts as s')
    .select(['s.kind', 's.language', 's.title_index', 's.variation', 's.input_tokens', 's.output_tokens', narrationChars.as('chars')])
    .where('s.batch_id', '=', batchId)
    .execute();
  const chars = new Map(scripts.map((s) => [`${s.title_index}|${s.variation}|${s.language}`, Number(s.chars)]));
  const jobs = await db.selectFrom('jobs').select(['title_index', 'variation', 'language', 'status']).where('batch_id', '=', batchId).execute();
  const batch = await db.selectFrom('batches').select(['created_at', 'finished_at']).where('id', '=', batchId).executeTakeFirst();
  let ttsCharacters = 0;
  for (const j of jobs) if (j.status === 'completed') ttsCharacters += chars.get(`${j.title_index}|${j.variation}|${j.language}`) ?? 0;
  return {
    jobs: jobs.length,
    completedJobs: jobs.filter((j) => j.status === 'completed').length,
    scripts: { masters: scripts.filter((s) => s.kind === 'master').length, adaptations: scripts.filter((s) => s.kind === 'adaptation').length },
    ttsCharacters,
    inputTokens: scripts.reduce((n, s) => n + s.input_tokens, 0),
    outputTokens: scripts.reduce((n, s) => n + s.output_tokens, 0),
    wallSeconds: batch?.finished_at ? (batch.finished_at.getTime() - new Date(batch.created_at).getTime()) / 1000 : null,
  };
}
