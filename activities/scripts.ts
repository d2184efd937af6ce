// Gemini activities (the Gemini task queue, whose rate limit protects the quota): a title's master script and
// its adaptation to each language, each written at most once.
import { contentKey, type ScriptIdentity } from '../db/scripts';
import { shippedCatalog, type PriceTable } from '../domain/catalog';
import { Stage } from '../domain/errors';
import { adaptationPrompt, masterPrompt, type AgentSnapshot, type PromptPair } from '../domain/prompts';
import { mustGetJobAndBatch, probeKey, type ActivityDeps } from './deps';
import { withStage } from './failures';
import { onceForScript } from './paid-once';
import { writeCheckedScript } from './script-check';

type ScriptDeps = Pick<ActivityDeps, 'db' | 'gemini' | 'metrics'> & { prices: PriceTable };

/** One script of a job to have: which it is, the content address it may be found under, and how to ask for it. */
interface ScriptOrder {
  kind: 'master' | 'adaptation';
  identity: ScriptIdentity;
  jobId: string;
  agent: AgentSnapshot;
  cacheKey: string;
  prompt: () => PromptPair;
}

/** Ensures the ordered script exists, writing it (checked, its spend counted) at most once. */
async function scriptOnce({ db, gemini, prices, metrics }: ScriptDeps, order: ScriptOrder): Promise<{ produced: boolean; cached: boolean }> {
  const { kind, identity, jobId, agent } = order;
  const { produced, cached } = await onceForScript(
    db,
    identity,
    async () => {
      // Checked before any speech is bought; a regeneration's tokens and cost add to this script's.
      const s = await writeCheckedScript({ db, gemini, prices, kind, identity, jobId, agent, prompt: order.prompt() });
      metrics?.spendUsd.inc({ provider: 'gemini' }, s.costUsd);
      return { kind, title: s.title, blocks: JSON.stringify(s.blocks), model: s.model, input_tokens: s.inputTokens, output_tokens: s.outputTokens, cost_usd: s.costUsd };
    },
    order.cacheKey,
  );
  if (cached) metrics?.cacheHits.inc({ kind: 'script' });
  return { produced, cached };
}

/** The Gemini task queue's activities. */
export function createScriptActivities({ db, gemini, geminiModel = 'default', prices = shippedCatalog().prices, metrics }: Pick<ActivityDeps, 'db' | 'gemini' | 'geminiModel' | 'prices' | 'metrics'>) {
  const deps: ScriptDeps = { db, gemini, prices, metrics };
  return {
    /** An admin's test of one Gemini key (runs where Gemini keys are opened). */
    testGeminiKey: (input: { keyId: string }) => probeKey(gemini, input.keyId),

    /** Ensures the master script of the job's (title, variation) exists, writing it at most once. */
    async writeMasterScript(input: { jobId: string }): Promise<{ produced: boolean; cached: boolean }> {
      return withStage(Stage.master, async () => {
        const { job, batch } = await mustGetJobAndBatch(db, input.jobId);
        const identity = { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, language: batch.master_language };
        const { agent } = batch.options;
        const { premisePrompt, structurePrompt, tone, targetMinutes } = agent;
        const cacheKey = contentKey({ kind: 'master', title: job.title, variation: job.variation, language: batch.master_language, model: geminiModel, agent: { premisePrompt, structurePrompt, tone, targetMinutes } });
        const prompt = () => masterPrompt(agent, job.title, batch.master_language, job.variation);
        return scriptOnce(deps, { kind: 'master', identity, jobId: job.id, agent, cacheKey, prompt });
      });
    },

    /** Ensures the job's language has its adaptation of the master script. */
    async adaptScript(input: { jobId: string }): Promise<{ produced: boolean; cached: boolean }> {
      return withStage(Stage.adaptation, async () => {
        const { job, batch, master } = await mustGetJobAndBatch(db, input.jobId);
        if (!master) throw new Error(`master script missing for job ${job.id}`);
        const identity = { batchId: batch.id, titleIndex: job.title_index, variation: job.variation, language: job.language };
        const { agent } = batch.options;
        const { tone, targetMinutes } = agent;
        const source = contentKey({ title: master.title, blocks: master.blocks });
        const cacheKey = contentKey({ kind: 'adaptation', source, language: job.language, model: geminiModel, agent: { tone, targetMinutes } });
        const prompt = () => adaptationPrompt(agent, master, job.language);
        return scriptOnce(deps, { kind: 'adaptation', identity, jobId: job.id, agent, cacheKey, prompt });
      });
    },
  };
}

export type ScriptActivities = ReturnType<typeof createScriptActivities>;
