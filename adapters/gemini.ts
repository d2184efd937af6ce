// Gemini through @google/genai: writes structured scripts and turns every failure into a classified BoltError.
import { GoogleGenAI } from '@google/genai';
import { BoltError, ErrorCode, type Stage } from '../domain/errors';
import { SCRIPT_RESPONSE_SCHEMA, type PromptPair } from '../domain/prompts';

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

const BLOCKED_REASONS = new Set(['SAFETY', 'RECITATION', 'PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

/** Writes scripts with one API key. */
export class GeminiScriptWriter {
  private readonly ai: GoogleGenAI;
  constructor(private readonly options: GeminiClientOptions) {
    this.ai = new GoogleGenAI({
      apiKey: options.apiKey,
      httpOptions: { ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), timeout: options.timeoutMs ?? 120_000 },
    });
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
    const block = res.promptFeedback?.blockReason;
    if (block) throw new BoltError(ErrorCode.contentBlocked, `Gemini blocked the prompt: ${block}`, { stage });
    const candidate = res.candidates?.[0];
    const finish = candidate?.finishReason;
    if (finish && BLOCKED_REASONS.has(finish)) {
      throw new BoltError(ErrorCode.contentBlocked, `Gemini stopped the script for ${finish}`, { stage });
    }
    if (finish === 'MAX_TOKENS') {
      throw new BoltError(ErrorCode.truncated, 'Gemini cut the script at its output token limit; refusing to store a truncated script', { stage });
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

/** Maps an error thrown by @google/genai to a BoltError with the right code and retryability. */
export function classifyGeminiError(err: unknown, stage: Stage): BoltError {
  const status = (err as { status?: number }).status;
  const message = err instanceof Error ? err.message : String(err);
  const short = message.length > 500 ? `${message.slice(0, 500)}…` : message;
  if (status === 429) return new BoltError(ErrorCode.quotaExhausted, `Gemini quota exhausted: ${short}`, { stage, retryable: true, status });
  if (status === 401 || status === 403 || (status === 400 && /API_KEY_INVALID|API key not valid/i.test(message))) {
    return new BoltError(ErrorCode.keyInvalid, `Gemini rejected the API key: ${short}`, { stage, retryable: true, status });
  }
  if (status !== undefined && status >= 500) return new BoltError(ErrorCode.providerUnavailable, `Gemini server error ${status}: ${short}`, { stage, retryable: true, status });
  if (status !== undefined && status >= 400) return new BoltError(ErrorCode.badRequest, `Gemini rejected the request (${status}): ${short}`, { stage, status });
  return new BoltError(ErrorCode.providerUnavailable, `Gemini call failed: ${short}`, { stage, retryable: true });
}
