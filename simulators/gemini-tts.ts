// The TTS simulator's Gemini-TTS checks: a request with `voice.modelName` names a bare speaker on a model, in a
// locale the model serves, with `input.text` and an optional `input.prompt` under their byte limits. Everything
// else is answered with Google's INVALID_ARGUMENT error, as Cloud TTS does.
import { DEFAULT_GEMINI_TTS_LIMITS, shippedGeminiTtsCatalog, type GeminiTtsCatalog, type GeminiTtsLimits } from '../domain/gemini-tts';
import { HttpError } from './http';

/** What the simulator knows of the family: the documented catalog and request limits. */
export interface GeminiTtsSimOptions {
  catalog?: GeminiTtsCatalog;
  limits?: GeminiTtsLimits;
}

/** The parts of a synthesize body these checks read. */
export interface GeminiCheckedBody {
  input?: { text?: unknown; ssml?: unknown; markup?: unknown; prompt?: unknown };
  voice?: { languageCode?: unknown; name?: unknown; modelName?: unknown };
  audioConfig?: { pitch?: number; speakingRate?: number };
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Checks a request against the family's rules. Returns the Gemini request it is (speaker, model, text, prompt),
 * or undefined for a classic-voice request; throws HttpError(400) for what Google refuses.
 */
export function checkGeminiTtsRequest(body: GeminiCheckedBody, o: GeminiTtsSimOptions = {}): { speaker: string; model: string; text: string; prompt?: string } | undefined {
  const catalog = o.catalog ?? shippedGeminiTtsCatalog();
  const limits = o.limits ?? DEFAULT_GEMINI_TTS_LIMITS;
  const model = body.voice?.modelName;
  const name = typeof body.voice?.name === 'string' ? body.voice.name : undefined;
  const prompt = body.input?.prompt;
  if (model === undefined || model === null || model === '') {
    if (name && catalog.speakers.has(name)) {
      throw new HttpError(400, `Voice '${name}' is a Gemini-TTS voice and requires \`voice.model_name\` (for example gemini-2.5-flash-tts).`);
    }
    if (prompt !== undefined && prompt !== null && prompt !== '') {
      throw new HttpError(400, '`input.prompt` is only supported by Gemini-TTS models; set `voice.model_name`.');
    }
    return undefined;
  }
  if (typeof model !== 'string') throw new HttpError(400, "Invalid value at 'voice.model_name' (TYPE_STRING)");
  const m = catalog.models.get(model);
  if (!m) throw new HttpError(400, `Model '${model}' is not supported. Supported Gemini-TTS models: ${[...catalog.models.keys()].join(', ')}.`);
  if (!name) throw new HttpError(400, `A voice name (speaker) is required with model '${model}'.`);
  if (!catalog.speakers.has(name)) throw new HttpError(400, `Voice '${name}' does not exist for model '${model}'. Is it misspelled?`);
  const languageCode = typeof body.voice?.languageCode === 'string' ? body.voice.languageCode : '';
  const locale = [...m.locales].find((l) => l.toLowerCase() === languageCode.toLowerCase());
  if (!locale) throw new HttpError(400, `Language code '${languageCode}' is not supported by model '${model}'.`);
  if (body.input?.ssml !== undefined && body.input.ssml !== null) throw new HttpError(400, `Model '${model}' does not support SSML input. Use input.text (and input.prompt for style).`);
  const text = body.input?.text;
  if (typeof text !== 'string' || text.trim() === '') throw new HttpError(400, '`input.text` is empty.');
  if (prompt !== undefined && prompt !== null && typeof prompt !== 'string') throw new HttpError(400, "Invalid value at 'input.prompt' (TYPE_STRING)");
  const p = typeof prompt === 'string' && prompt !== '' ? prompt : undefined;
  if (bytes(text) > limits.textBytes) throw new HttpError(400, `\`input.text\` is longer than the limit of ${limits.textBytes} bytes for model '${model}'.`);
  if (p && bytes(p) > limits.promptBytes) throw new HttpError(400, `\`input.prompt\` is longer than the limit of ${limits.promptBytes} bytes for model '${model}'.`);
  if (bytes(text) + (p ? bytes(p) : 0) > limits.combinedBytes) throw new HttpError(400, `\`input.text\` and \`input.prompt\` together are longer than the limit of ${limits.combinedBytes} bytes.`);
  if ((body.audioConfig?.pitch ?? 0) !== 0) throw new HttpError(400, `Model '${model}' does not support pitch parameters.`);
  return { speaker: name, model, text, ...(p ? { prompt: p } : {}) };
}
