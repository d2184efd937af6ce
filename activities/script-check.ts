// The script check inside a Gemini activity: write, check, clean trivial artefacts, regenerate once (paid, with
// the reasons in the prompt), and fail the job at stage `qa` when the second script fails too.
import type { Kysely } from 'kysely';
import type { GeneratedScript, GeminiScriptWriter } from '../adapters/gemini';
import type { KeyedProvider } from '../adapters/keyed-provider';
import { addSpend } from '../db/batches';
import { findScriptCheck, saveScriptCheck } from '../db/script-checks';
import type { ScriptIdentity } from '../db/scripts';
import type { AgentSnapshot, Database } from '../db/schema';
import type { PriceTable } from '../domain/catalog';
import { geminiCallUsd } from '../domain/costs';
import { BoltError, ErrorCode, Stage } from '../domain/errors';
import type { PromptPair } from '../domain/prompts';
import { checkScript, outcomeOf, withRejection, type ScriptCheckAttempt } from '../domain/script-check';

export interface CheckedWriteInput {
  db: Kysely<Database>;
  gemini: KeyedProvider<GeminiScriptWriter>;
  prices: PriceTable;
  kind: 'master' | 'adaptation';
  identity: ScriptIdentity;
  jobId: string;
  agent: AgentSnapshot;
  prompt: PromptPair;
}

/** The script to store, with the tokens and cost of every call it took (one, or two with a regeneration). */
export interface CheckedScript {
  title: string;
  blocks: string[];
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

const qaError = (reasons: readonly string[]) =>
  new BoltError(ErrorCode.scriptCheckFailed, `the script failed its check twice: ${reasons.join('; ')}`, { stage: Stage.qa, retryable: false });

/**
 * Writes a script that passes the check, or throws a non-retryable `script_check_failed` at stage `qa`.
 * A script whose check already failed (another job of the same title) fails again without a new call.
 */
export async function writeCheckedScript(input: CheckedWriteInput): Promise<CheckedScript> {
  const { db, gemini, prices, kind, identity } = input;
  const earlier = await findScriptCheck(db, identity);
  if (earlier?.outcome === 'failed') throw qaError(earlier.reasons);
  const stage = kind === 'master' ? Stage.master : Stage.adaptation;
  const attempts: ScriptCheckAttempt[] = [];
  const calls: GeneratedScript[] = [];
  let prompt = input.prompt;
  let passed: { title: string; blocks: string[] } | undefined;
  for (let attempt = 1; attempt <= 2 && !passed; attempt++) {
    const written = await gemini.run({ stage, jobId: input.jobId, batchId: identity.batchId }, (writer) => writer.write(prompt, stage));
    calls.push(written);
    const { result, script } = checkScript(written, { language: identity.language, agent: input.agent });
    attempts.push({ attempt, ...result });
    if (result.ok) passed = script;
    else prompt = withRejection(input.prompt, result.reasons);
  }
  const usage = {
    model: calls[calls.length - 1]!.model,
    inputTokens: calls.reduce((n, c) => n + c.inputTokens, 0),
    outputTokens: calls.reduce((n, c) => n + c.outputTokens, 0),
    costUsd: calls.reduce((n, c) => n + geminiCallUsd(prices, c.model, c.inputTokens, c.outputTokens), 0),
  };
  const outcome = outcomeOf(attempts);
  const reasons = attempts[attempts.length - 1]!.reasons;
  await saveScriptCheck(db, identity, { kind, outcome, attempts, reasons });
  if (!passed) {
    // No script is stored, so the spend of both calls is added here, once, beside the failed check.
    await addSpend(db, identity.batchId, usage.costUsd);
    throw qaError(reasons);
  }
  return { ...passed, ...usage };
}
