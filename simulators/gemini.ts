// Gemini simulator: speaks `POST /v1beta/models/{model}:generateContent` as the real API does (validation,
// error JSON, quotas with RetryInfo, safety blocks, MAX_TOKENS), writes structured filler scripts of the
// requested length, and counts every call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CallCounters, digest } from './counters';
import { RecentLog } from './recent';
import { HttpError, QuotaMeter, admit, answerError, apiKeyOf, arrivalOf, readJson, sendJson, simulateLatency, type CommonSimOptions, type QuotaNames } from './http';
import { REJECTION_LINE, wordsToTarget } from '../domain/script-check';
import { declarationBlocks, scriptFaultOf, withArtefacts, wrongLanguageFor } from './narration-text';
import { fillerBlocks } from './text';

export interface GeminiSimOptions extends CommonSimOptions {
  /** Finish every answer with this reason (`SAFETY`, `MAX_TOKENS`, …) instead of `STOP`. */
  finishReason?: string;
  /** Block every prompt with this `promptFeedback.blockReason` (`SAFETY`, `OTHER`, …). */
  blockReason?: string;
  /** Titles containing any of these strings are stopped with finishReason SAFETY. */
  safetyBlockTitles?: string[];
}

/**
 * Markers a title can carry to drive one outcome: `[sim:SAFETY]`, `[sim:RECITATION]`, `[sim:PROHIBITED_CONTENT]`,
 * `[sim:BLOCKLIST]`, `[sim:SPII]`, `[sim:MAX_TOKENS]` (finish reasons) and `[sim:block:SAFETY]` (prompt blocked).
 */
export const TITLE_MARKER = /\[sim:(block:)?([A-Z_]+)\]/;

interface Content {
  role?: unknown;
  parts?: unknown;
}

interface GenerateBody {
  contents?: unknown;
  systemInstruction?: unknown;
  generationConfig?: {
    responseMimeType?: string;
    responseSchema?: unknown;
    temperature?: number;
    topP?: number;
    candidateCount?: number;
    maxOutputTokens?: number;
  };
}

const ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):generateContent$/;
const KNOWN_FIELDS = new Set(['contents', 'systemInstruction', 'generationConfig', 'safetySettings', 'tools', 'toolConfig', 'cachedContent', 'labels']);

const QUOTA_NAMES = (model: string): QuotaNames => ({
  service: 'generativelanguage.googleapis.com',
  metric: 'generate_content_requests',
  minuteId: (per) => (per === 'Key' ? 'GenerateRequestsPerMinutePerKeyPerModel' : 'GenerateRequestsPerMinutePerProjectPerModel'),
  dayId: (per) => (per === 'Key' ? 'GenerateRequestsPerDayPerKeyPerModel' : 'GenerateRequestsPerDayPerProjectPerModel'),
  dimensions: { location: 'global', model },
});

function textOf(contents: Content[]): string {
  return contents.flatMap((c) => (Array.isArray(c.parts) ? (c.parts as Array<{ text?: unknown }>) : []).map((p) => (typeof p.text === 'string' ? p.text : ''))).join('\n');
}

/** Checks a request the way the API does; throws 400 with Google's field-path messages. */
function validate(body: GenerateBody): Content[] {
  for (const k of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(k)) throw new HttpError(400, `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`, [badRequestField(k, `Unknown name "${k}"`)]);
  }
  if (!Array.isArray(body.contents) || body.contents.length === 0) throw new HttpError(400, '* GenerateContentRequest.contents: contents is not specified\n');
  const contents = body.contents as Content[];
  contents.forEach((c, i) => {
    if (!c || typeof c !== 'object') throw new HttpError(400, `Invalid value at 'contents[${i}]'`);
    if (c.role !== undefined && c.role !== 'user' && c.role !== 'model') throw new HttpError(400, 'Please use a valid role: user, model.');
    if (!Array.isArray(c.parts) || c.parts.length === 0) throw new HttpError(400, `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`);
  });
  const g = body.generationConfig ?? {};
  if (g.temperature !== undefined && (typeof g.temperature !== 'number' || g.temperature < 0 || g.temperature > 2)) {
    throw new HttpError(400, `Unable to submit request because it has a temperature value of ${String(g.temperature)} but the supported range is from 0 (inclusive) to 2.0001 (exclusive). Update the value and try again.`);
  }
  if (g.maxOutputTokens !== undefined && (!Number.isInteger(g.maxOutputTokens) || g.maxOutputTokens < 1)) {
    throw new HttpError(400, '* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive.\n');
  }
  if (g.responseSchema !== undefined && g.responseMimeType !== 'application/json') {
    throw new HttpError(400, '* GenerateContentRequest.generation_config.response_mime_type: only supported with response_schema when set to application/json.\n');
  }
  if (g.responseMimeType !== undefined && !['text/plain', 'application/json', 'text/x.enum'].includes(g.responseMimeType)) {
    throw new HttpError(400, `* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are \`text/plain\`, \`application/json\` and \`text/x.enum\`.\n`);
  }
  if (!textOf(contents).trim()) throw new HttpError(400, '* GenerateContentRequest.contents[0].parts[0].data: required oneof field \'data\' must have one initialized field\n');
  return contents;
}

const badRequestField = (field: string, description: string) => ({
  '@type': 'type.googleapis.com/google.rpc.BadRequest',
  fieldViolations: [{ field, description }],
});

/** Classifies a call by the task line Bolt IA's prompts carry. */
function kindOf(prompt: string): 'master' | 'adaptation' | 'other' {
  if (/^TASK: MASTER SCRIPT$/m.test(prompt)) return 'master';
  if (/^TASK: ADAPTATION$/m.test(prompt)) return 'adaptation';
  return 'other';
}

const field = (prompt: string, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(prompt)?.[1]?.trim();

const SAFETY_CATEGORIES = ['HARM_CATEGORY_HATE_SPEECH', 'HARM_CATEGORY_DANGEROUS_CONTENT', 'HARM_CATEGORY_HARASSMENT', 'HARM_CATEGORY_SEXUALLY_EXPLICIT'];
const ratings = (blocked: boolean) =>
  SAFETY_CATEGORIES.map((category, i) => ({ category, probability: blocked && i === 1 ? 'HIGH' : 'NEGLIGIBLE', ...(blocked && i === 1 ? { blocked: true } : {}) }));

export class GeminiSimulator {
  readonly counters = new CallCounters();
  readonly quotas = new QuotaMeter();
  /** Rejection lines received in regeneration prompts (what the script check told the model), oldest first. */
  readonly rejections: string[] = [];
  /** Master and adaptation requests received (the title a master was asked for), the newest 5,000 kept. */
  readonly scriptRequests = new RecentLog<{ kind: 'master' | 'adaptation'; title: string | undefined }>(5000);
  constructor(public options: GeminiSimOptions = {}) {}

  /** Handles a request; returns false when the path is not Gemini's. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const m = ROUTE.exec(url.pathname);
    if (!m) return false;
    try {
      if (req.method !== 'POST') throw new HttpError(404, `Method ${req.method} not found.`);
      const { kind, identity } = await this.generate(req, res, url, decodeURIComponent(m[2]!));
      this.counters.recordAnswer(kind, identity);
    } catch (err) {
      await answerError(req, res, err, (s) => this.counters.recordError(s));
    }
    return true;
  }

  /** Answers a generateContent request; returns the kind of prompt it answered and what it asked for. */
  private async generate(req: IncomingMessage, res: ServerResponse, url: URL, model: string): Promise<{ kind: string; identity: string }> {
    const key = apiKeyOf(req, url);
    const arrived = arrivalOf(req);
    const body = (await readJson(req)) as GenerateBody;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'Invalid JSON payload received. Expected an object.');
    const prompt = Array.isArray(body.contents) ? textOf(body.contents as Content[]) : '';
    const kind = kindOf(prompt);
    this.counters.record('generateContent', key, kind, arrived);
    if (kind !== 'other') this.scriptRequests.push({ kind, title: field(prompt, 'TITLE') });
    const opts = this.options;
    admit(key, opts, this.quotas, QUOTA_NAMES(model), arrived);
    validate(body);
    if (!/^gemini-[\w.-]+$/.test(model)) throw new HttpError(404, `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`);
    await simulateLatency(opts);

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
    const promptTokens = Math.ceil(prompt.length / 4);
    const answered = { kind, identity: `${kind} ${JSON.stringify(title)} ${language} #${digest(prompt)}` };
    const base = { modelVersion: model, responseId: `sim-${Date.now().toString(36)}` };

    const marker = TITLE_MARKER.exec(prompt);
    const blockReason = opts.blockReason ?? (marker?.[1] ? marker[2] : undefined);
    if (blockReason) {
      sendJson(res, 200, { promptFeedback: { blockReason, safetyRatings: ratings(true) }, usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens }, ...base });
      return answered;
    }
    let finishReason = opts.finishReason ?? (marker && !marker[1] ? marker[2] : undefined);
    if (!finishReason && opts.safetyBlockTitles?.some((t) => t && prompt.includes(t))) finishReason = 'SAFETY';
    if (finishReason && finishReason !== 'STOP' && finishReason !== 'MAX_TOKENS') {
      // Content filters stop the candidate and withhold its text.
      sendJson(res, 200, {
        candidates: [{ finishReason, index: 0, safetyRatings: ratings(finishReason === 'SAFETY') }],
        usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
        ...base,
      });
      return answered;
    }

    const blocks = this.narration(prompt, language, words, title, blockCount);
    const output = JSON.stringify({ title, blocks, description: `${title}.` });
    let text = body.generationConfig?.responseMimeType === 'application/json' ? output : blocks.join('\n\n');
    let outputTokens = Math.ceil(text.length / 4);
    const limit = body.generationConfig?.maxOutputTokens;
    if (finishReason === 'MAX_TOKENS' || (limit !== undefined && outputTokens > limit)) {
      // The model stops mid-text, as the real one does at its output limit.
      const cut = limit !== undefined ? Math.min(limit, outputTokens) : Math.ceil(outputTokens / 2);
      text = text.slice(0, Math.max(1, cut * 4 - 1));
      outputTokens = cut;
      finishReason = 'MAX_TOKENS';
    }
    sendJson(res, 200, {
      candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: finishReason ?? 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: outputTokens, totalTokenCount: promptTokens + outputTokens },
      ...base,
    });
    return answered;
  }

  /** Narration of about `words` words in real text of the language, with the fault a title marker asks for. */
  private narration(prompt: string, language: string, words: number, title: string, blockCount?: number): string[] {
    const rejection = new RegExp(`^${REJECTION_LINE} (.*)$`, 'm').exec(prompt)?.[1];
    if (rejection) this.rejections.push(rejection);
    const fault = scriptFaultOf(prompt, rejection !== undefined);
    const spoken = fault === 'wrong-language' ? wrongLanguageFor(language) : language;
    const factor = fault === 'short' ? 0.5 : fault === 'long' ? 2 : 1;
    const count = Math.max(1, Math.round(wordsToTarget(words, language).target * factor));
    const n = blockCount ?? Math.max(1, Math.min(12, Math.round(words / 60)));
    const blocks = declarationBlocks(prompt, spoken, count, n) ?? fillerBlocks(prompt, spoken, Math.round(words * factor), blockCount);
    return fault === 'markdown' || fault === 'artefacts' ? withArtefacts(title, blocks, fault) : blocks;
  }
}
