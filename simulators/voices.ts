// The voices the TTS simulator serves: the shipped catalog (catalog/voices.json), so the simulated
// voices.list answers with every real voice; tests can still pass their own list (TtsSimOptions.voices).
import { shippedCatalog } from '../domain/catalog';

export interface SimVoice {
  name: string;
  languageCodes: string[];
  ssmlGender: 'MALE' | 'FEMALE' | 'NEUTRAL';
  naturalSampleRateHertz: number;
}

/** Every voice of the shipped catalog, in voices.list form. */
export function catalogVoices(): SimVoice[] {
  // Gemini-TTS voices are catalog names of ours, not voices.list entries (Google lists bare speakers without a model).
  return shippedCatalog().catalog.voices.filter((v) => v.family !== 'gemini').map((v) => ({
    name: v.name,
    languageCodes: [...v.languageCodes],
    ssmlGender: v.ssmlGender === 'SSML_VOICE_GENDER_UNSPECIFIED' ? 'NEUTRAL' : v.ssmlGender,
    naturalSampleRateHertz: v.naturalSampleRateHertz,
  }));
}

/** The simulator's default voice list (the name predates the full catalog; it now holds all of it). */
export const SEED_VOICES: SimVoice[] = catalogVoices();
