// What a Google TTS voice accepts (SSML, speaking rate, pitch, timepoints), from its family in the catalog:
// Chirp HD and Chirp 3: HD voices take plain text only, so they get no SSML and only the settings they honour.
import { FAMILY_CAPABILITIES, familyOf, type FamilyCapabilities } from './catalog';

/** Request features a voice accepts. */
export type VoiceFeatures = Pick<FamilyCapabilities, 'ssml' | 'speakingRate' | 'pitch' | 'timepoints'>;

/** Voices whose family is unknown are assumed to take everything, like the classic families. */
const DEFAULT_FEATURES: VoiceFeatures = { ssml: true, speakingRate: true, pitch: true, timepoints: true };

/** Features of a voice, by its name (`pt-BR-Chirp3-HD-Aoede` → plain text, `en-US-Neural2-C` → everything). */
export function voiceFeatures(voiceName: string): VoiceFeatures {
  const family = familyOf(voiceName);
  if (!family) return DEFAULT_FEATURES;
  const { ssml, speakingRate, pitch, timepoints } = FAMILY_CAPABILITIES[family];
  return { ssml, speakingRate, pitch, timepoints };
}
