// Chooses the Google clients: real Google with configured keys, or the simulators' base URL without them.
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import { GeminiScriptWriter } from './gemini';
import { createTtsClient } from './tts';

/** The key the embedded default uses against the simulators; it is not a secret. */
export const SIMULATOR_API_KEY = 'bolt-simulator-key';

export interface ProviderSettings {
  gemini: { apiKey?: string; baseUrl?: string; model: string };
  tts: { apiKey?: string; baseUrl?: string };
  /** Base URL of the running simulators, used for any provider that has no real key. */
  simulatorUrl?: string;
}

export interface Providers {
  gemini: () => GeminiScriptWriter;
  tts: () => TextToSpeechClient;
  kind: { gemini: 'google' | 'simulator'; tts: 'google' | 'simulator' };
}

/** Builds one client per provider and hands the same one to every activity. */
export function createProviders(s: ProviderSettings): Providers {
  const geminiReal = Boolean(s.gemini.apiKey);
  const ttsReal = Boolean(s.tts.apiKey);
  if ((!geminiReal || !ttsReal) && !s.simulatorUrl) throw new Error('a provider has no API key and no simulator is running');
  const writer = new GeminiScriptWriter({
    apiKey: s.gemini.apiKey ?? SIMULATOR_API_KEY,
    baseUrl: geminiReal ? s.gemini.baseUrl : s.simulatorUrl,
    model: s.gemini.model,
  });
  const tts = createTtsClient({ apiKey: s.tts.apiKey ?? SIMULATOR_API_KEY, baseUrl: ttsReal ? s.tts.baseUrl : s.simulatorUrl });
  return {
    gemini: () => writer,
    tts: () => tts,
    kind: { gemini: geminiReal ? 'google' : 'simulator', tts: ttsReal ? 'google' : 'simulator' },
  };
}
