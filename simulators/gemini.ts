// Gemini simulator: speaks `POST /v1beta/models/{model}:generateContent` as the real API does,
// writes structured filler scripts of the requested length, and counts every call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CallCounters } from './counters';
import { HttpError, apiKeyInvalidDetail, apiKeyOf, readJson, sendGoogleError, sendJson, sleep } from './http';
import { fillerBlocks } from './text';

export interface GeminiSimOptions {
  /** Keys the simulator accepts; any non-empty key when absent. */
  validKeys?: string[];
  /** Keys answered with 400 API_KEY_INVALID. */
  invalidKeys?: string[];
  /** Fixed latency added to every call, in ms. @default 0 */
  latencyMs?: number;
  /** Keys whose project has spent its per-minute quota: answered 429 with QuotaFailure and RetryInfo. */
  exhaustedKeys?: Record<string, { retryDelaySeconds: number }>;
}

interface Content {
  role?: string;
  parts?: Array<{ text?: string }>;
}

const ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):generateContent$/;

function textOf(body: { contents?: unknown; systemInstruction?: unknown }): string {
  const contents: Content[] = Array.isArray(body.contents) ? (body.contents as Content[]) : [];
  return contents.flatMap((c) => (c.parts ?? []).map((p) => p.text ?? '')).join('\n');
}

/** Classifies a call by the task line Bolt IA's prompts carry. */
function kindOf(prompt: string): 'master' | 'adaptation' | 'other' {
  if (/^TASK: MASTER SCRIPT$/m.test(prompt)) return 'master';
  if (/^TASK: ADAPTATION$/m.test(prompt)) return 'adaptation';
  return 'other';
}

const field = (prompt: string, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(prompt)?.[1]?.trim();

export class GeminiSimulator {
  readonly counters = new CallCounters();
  constructor(public options: GeminiSimOptions = {}) {}

  /** Handles a request; returns false when the path is not Gemini's. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const m = ROUTE.exec(url.pathname);
    if (!m) return false;
    try {
      if (req.method !== 'POST') throw new HttpError(404, `Method ${req.method} not found.`);
      await this.generate(req, res, url, m[2]!);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 'Internal error encountered.');
      this.counters.recordError(e.status);
      sendGoogleError(res, e);
    }
    return true;
  }

  private async generate(req: IncomingMessage, res: ServerResponse, url: URL, model: string): Promise<void> {
    const key = apiKeyOf(req, url);
    const body = (await readJson(req)) as { contents?: unknown; generationConfig?: { responseMimeType?: string } };
    const prompt = textOf(body);
    const kind = kindOf(prompt);
    this.counters.record('generateContent', key, kind);
    if (!key) throw new HttpError(403, 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.');
    if (this.options.invalidKeys?.includes(key) || (this.options.validKeys && !this.options.validKeys.includes(key))) {
      throw new HttpError(400, 'API key not valid. Please pass a valid API key.', [apiKeyInvalidDetail('generativelanguage.googleapis.com')]);
    }
    const spent = this.options.exhaustedKeys?.[key];
    if (spent) {
      throw new HttpError(429, 'You exceeded your current quota, please check your plan and billing details.', [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel' }],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${spent.retryDelaySeconds}s` },
      ]);
    }
    if (!Array.isArray(body.contents) || body.contents.length === 0 || !prompt.trim()) {
      throw new HttpError(400, '* GenerateContentRequest.contents: contents is not specified');
    }
    if (!/^gemini-[\w.-]+$/.test(model)) throw new HttpError(404, `models/${model} is not found for API version v1beta, or is not supported for generateContent.`);
    if (this.options.latencyMs) await sleep(this.options.latencyMs);

    const words = Number(/approximately (\d+) words/.exec(prompt)?.[1] ?? 120);
    let title = field(prompt, 'TITLE') ?? 'Untitled';
    let language = field(prompt, 'LANGUAGE') ?? 'en-US';
    let blockCount: number | undefined;
    if (kind === 'adaptation') {
      language = field(prompt, 'TARGET LANGUAGE') ?? language;
      const source = /^SOURCE SCRIPT \(JSON\): (.*)$/m.exec(prompt)?.[1];
      try {
        const parsed = JSON.parse(source ?? '{}') as { title?: string; blocks?: string[] };
        title = `${parsed.title ?? title} [${language}]`;
        blockCount = parsed.blocks?.length;
      } catch {
        throw new HttpError(400, 'Request contains an invalid argument.');
      }
    }
    const blocks = fillerBlocks(`${prompt}`, language, words, blockCount);
    const output = JSON.stringify({ title, blocks, description: `${title}.` });
    const text = body.generationConfig?.responseMimeType === 'application/json' ? output : blocks.join('\n\n');
    const promptTokens = Math.ceil(prompt.length / 4);
    const outputTokens = Math.ceil(text.length / 4);
    sendJson(res, 200, {
      candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: outputTokens, totalTokenCount: promptTokens + outputTokens },
      modelVersion: model,
      responseId: `sim-${Date.now().toString(36)}`,
    });
  }
}
