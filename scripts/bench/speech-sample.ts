// A stretch of speech for the audio benches (scripts/bench/meter.ts, mp3-encoder.ts): espeak-ng's when it is
// installed (scripts/install-tools.sh installs it), else the simulator's tone; 24 kHz mono, cut to the asked length.
import { int16ToFloat } from '../../domain/loudness';
import { hasEspeak, speak } from '../../simulators/speech';

const SENTENCE =
  'Every narration is written once, spoken once and paid for once, and the batch says why it waits when it does. ';

/** About `seconds` of speech as floats in [-1, 1), with its rate, exact length and source. */
export async function speechSample(seconds: number): Promise<{ floats: Float32Array; sampleRate: number; seconds: number; source: string }> {
  const pcm = await speak(SENTENCE.repeat(Math.ceil(seconds / 4)), 'en', 1, 'auto');
  const length = Math.min(pcm.samples.length, Math.round(seconds * pcm.sampleRate));
  return { floats: int16ToFloat(pcm.samples.subarray(0, length)), sampleRate: pcm.sampleRate, seconds: length / pcm.sampleRate, source: hasEspeak() ? 'espeak-ng' : 'the simulator tone' };
}
