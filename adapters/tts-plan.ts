// Request building for a narration: its text planned into requests under each voice family's limit as sent,
// and each request's input with the agent's terms in the form the family takes.
import { planSpeechRequests, type SpeechRequest } from '../domain/chunking';
import { BoltError, ErrorCode, Stage } from '../domain/errors';
import { DEFAULT_GEMINI_TTS_LIMITS, geminiVoice, maxTextBytes } from '../domain/gemini-tts';
import { customPronunciationsField, pronunciationMechanism, ssmlWithPhonemes, termsIn } from '../domain/pronunciation';
import { voiceFeatures } from '../domain/voice-features';
import type { NarrationRequest } from './tts-narration';

const speakable = (r: SpeechRequest) => /\S/u.test(r.units.map((u) => u.text).join(''));

type PlanInput = Pick<NarrationRequest, 'text' | 'language' | 'voice' | 'prompt' | 'geminiTts' | 'pronunciations'>;

/**
 * The requests a narration is sent as, each under its family's limit as sent (5,000 bytes; for Gemini-TTS the
 * text limit, less the prompt's bytes where text and prompt share one); empty ones are skipped.
 */
export function planNarration(req: PlanInput): SpeechRequest[] {
  const gemini = geminiVoice(req.voice);
  if (gemini) {
    const limits = req.geminiTts?.limits ?? DEFAULT_GEMINI_TTS_LIMITS;
    const promptBytes = Buffer.byteLength(req.prompt ?? '', 'utf8');
    if (promptBytes > limits.promptBytes) {
      throw new BoltError(ErrorCode.badRequest, `the style prompt is ${promptBytes} bytes; Gemini-TTS takes at most ${limits.promptBytes}`, { stage: Stage.synthesis });
    }
    return planSpeechRequests(req.text, { ssml: false, locale: req.language, maxBytes: maxTextBytes(limits, promptBytes) }).filter(speakable);
  }
  const terms = req.pronunciations ?? [];
  // <phoneme> markup is rendered inside the planner, so every request is measured with it.
  const renderSsml = terms.length > 0 && pronunciationMechanism(req.voice) === 'ssml-phoneme' ? (t: string) => ssmlWithPhonemes(t, terms) : undefined;
  return planSpeechRequests(req.text, { ssml: voiceFeatures(req.voice).ssml, locale: req.language, renderSsml }).filter(speakable);
}

/** The request's input, with `customPronunciations` for the terms it contains where the family takes them. */
export function requestInput(request: SpeechRequest, req: NarrationRequest) {
  const terms = req.pronunciations ?? [];
  if (terms.length === 0 || pronunciationMechanism(req.voice) !== 'custom-pronunciations') return request.input;
  const used = termsIn(request.units.map((u) => u.text).join(''), terms);
  return used.length > 0 ? { ...request.input, customPronunciations: customPronunciationsField(used) } : request.input;
}

/** How many TTS calls a narration costs (for quota accounting before the calls). */
export function countTtsRequests(req: PlanInput): number {
  return planNarration(req).length;
}
