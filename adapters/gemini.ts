// Gemini through @google/genai: writes structured scripts and turns every failure into a classified BoltError.
import { GoogleGenAI } from '@google/genai';
import { BoltError, ErrorCode, Stage } from '../domain/errors';
import { SCRIPT_RESPONSE_SCHEMA, type PromptPair } from '../domain/prompts';
import { classifyFailure, classifyFinish, googleErrorIn, Outcome, outcomeError } from '../domain/provider-outcomes';

export interface GeminiClientOptions {
  apiKey: string;
  /** Base URL of the API; the simulator's in tests and the embedded default. */
  baseUrl?: string;
  model: string;
  /** Per-request timeout. @default 120000 */
  timeoutMs?: number;
}

/** A script as Gemini returned it, with its token usage. */
export interface GeneratedScript {
  title: string;
  blocks: string[];
  description?: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

/** Writes scripts with one API key. */
export class GeminiScriptWriter {
  private readonly ai: GoogleGenAI;
  constructor(private readonly options: GeminiClientOptions) {
    this.ai = new GoogleGenAI({
      apiKey: options.apiKey,
      httpOptions: { ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), timeout: options.timeoutMs ?? 120_000 },
    });
  }

  /** The cheapest call that proves the key works (a key test): a five-token answer. */
  async probe(): Promise<void> {
    try {
      await this.ai.models.generateContent({ model: this.options.model, contents: 'Reply with the word OK.', config: { maxOutputTokens: 5, temperature: 0 } });
    } catch (err) {
      throw classifyGeminiError(err, Stage.master);
    }
  }

  /** Generates one script; throws a BoltError classified for retry decisions. */
  async write(prompt: PromptPair, stage: Stage): Promise<GeneratedScript> {
    let res;
    try {
      res = await this.ai.models.generateContent({
        model: this.options.model,
        contents: prompt.prompt,
        config: {
          systemInstruction: prompt.systemInstruction,
          responseMimeType: 'application/json',
          responseSchema: SCRIPT_RESPONSE_SCHEMA as never,
          temperature: 0.9,
        },
      });
    } catch (err) {
      throw classifyGeminiError(err, stage);
    }
    const blockReason = res.promptFeedback?.blockReason;
    const finishReason = res.candidates?.[0]?.finishReason;
    const finish = classifyFinish({ finishReason, blockReason });
    if (finish?.outcome === Outcome.contentRefusal) {
      const what = blockReason ? `Gemini blocked the prompt: ${blockReason}` : `Gemini stopped the script for ${finishReason}`;
      throw outcomeError(finish, what, { stage });
    }
    if (finish?.outcome === Outcome.truncated) {
      // A cut script would be narrated as if whole: fail clearly instead of storing it.
      const used = res.usageMetadata?.candidatesTokenCount;
      throw outcomeError(finish, `Gemini cut the script at its output token limit${used ? ` (${used} tokens)` : ''}; refusing to store a truncated script`, { stage });
    }
    const text = res.text;
    if (!text) throw new BoltError(ErrorCode.providerUnavailable, 'Gemini returned no text', { stage, retryable: true });
    let parsed: { title?: unknown; blocks?: unknown; description?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new BoltError(ErrorCode.providerUnavailable, 'Gemini returned text that is not the requested JSON', { stage, retryable: true });
    }
    const blocks = Array.isArray(parsed.blocks) ? parsed.blocks.filter((b): b is string => typeof b === 'string' && b.trim() !== '') : [];
    if (typeof parsed.title !== 'string' || blocks.length === 0) {
      throw new BoltError(ErrorCode.providerUnavailable, 'Gemini returned JSON without a title or narration blocks', { stage, retryable: true });
    }
    return {
      title: parsed.title,
      blocks,
      description: typeof parsed.description === 'string' ? parsed.description : undefined,
      model: res.modelVersion ?? this.options.model,
      inputTokens: res.usageMetadata?.promptTokenCount ?? 0,
      outputTokens: res.usageMetadata?.candidatesTokenCount ?? 0,
    };
  }
}

/** Maps an error thrown by @google/genai to a BoltError through the shared outcome table. */
export function classifyGeminiError(err: unknown, stage: Stage): BoltError {
  const status = (err as { status?: number }).status;
  const message = err instanceof Error ? err.message : String(err);
  const body = googleErrorIn(message);
  const readable = body?.message ?? message;
  const short = readable.length > 500 ? `${readable.slice(0, 500)}…` : readable;
  const name = err instanceof Error ? err.name : '';
  const timedOut = name === 'AbortError' || name === 'TimeoutError' || /aborted|timed? ?out/i.test(message);
  const c = classifyFailure({ status, statusName: body?.status, message: readable, details: body?.details, timedOut });
  const what = status ? `Gemini ${c.outcome.replace('_', ' ')} (${status}${body?.status ? ` ${body.status}` : ''})` : `Gemini ${c.outcome.replace('_', ' ')}`;
  return outcomeError(c, `${what}: ${short}`, { stage, status });
}
