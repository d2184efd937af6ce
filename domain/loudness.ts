// Pure loudness normalisation of a whole narration: gain to the target integrated loudness, then a look-ahead
// peak limiter that keeps the true peak under the ceiling. Measuring is injected (an ITU-R BS.1770 meter).

/** Loudness targets a batch or agent may ask for, in LUFS integrated; `off` leaves the audio as spoken. */
export const LOUDNESS_TARGETS = ['off', -23, -16, -14] as const;
export type LoudnessTarget = (typeof LOUDNESS_TARGETS)[number];

/** Podcast apps and video platforms expect about -16 to -14 LUFS. @default -16 */
export const DEFAULT_LOUDNESS: LoudnessTarget = -16;
/** Highest true peak a normalised narration may reach, in dBTP. */
export const TRUE_PEAK_CEILING_DBTP = -1;

/** One measurement: integrated loudness (LUFS) and true peak (dBTP). */
export interface LoudnessMeasure {
  integratedLufs: number;
  truePeakDbtp: number;
}

/** What normalisation did to one narration, as stored with the job. */
export interface LoudnessReport {
  target: LoudnessTarget;
  before: LoudnessMeasure;
  /** Absent when the target is `off`. */
  after?: LoudnessMeasure;
  gainDb?: number;
  /** True when the limiter had to hold peaks down. */
  limited?: boolean;
}

/** An ITU-R BS.1770 / EBU R128 meter of mono float samples in [-1, 1]. */
export type LoudnessMeter = (samples: Float32Array, sampleRate: number) => Promise<LoudnessMeasure>;

/** Parses a stored or configured target (`off`, `-16`, -16). */
export function parseLoudnessTarget(v: unknown): LoudnessTarget | undefined {
  const n = typeof v === 'string' && v !== 'off' ? Number(v) : v;
  return LOUDNESS_TARGETS.find((t) => t === n);
}

const dbToGain = (db: number) => 10 ** (db / 20);
const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Scales by `gain` and holds every sample under `ceiling` (linear) with a look-ahead limiter: the gain
 * falls ahead of a peak (no clipping, no distortion at the peak) and recovers over `releaseMs`.
 */
export function gainAndLimit(samples: Float32Array, sampleRate: number, gain: number, ceiling: number, releaseMs = 40): { out: Float32Array; limited: boolean } {
  const n = samples.length;
  const lookahead = Math.max(1, Math.round(sampleRate * 0.005));
  // Gain each sample needs on its own, then the minimum over the look-ahead window (attack before the peak).
  const need = new Float32Array(n);
  let limited = false;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(samples[i]! * gain);
    need[i] = a > ceiling ? ceiling / a : 1;
    if (a > ceiling) limited = true;
  }
  const out = new Float32Array(n);
  if (!limited) {
    for (let i = 0; i < n; i++) out[i] = samples[i]! * gain;
    return { out, limited };
  }
  const release = 1 - Math.exp(-1 / ((sampleRate * releaseMs) / 1000));
  // Running minimum of need[i .. i+lookahead] with a monotonic deque, smoothed: falls at once, rises slowly.
  const deque = new Int32Array(n + 1);
  let head = 0;
  let tail = 0;
  let env = 1;
  for (let i = 0, j = 0; i < n; i++) {
    for (; j < n && j <= i + lookahead; j++) {
      while (tail > head && need[deque[tail - 1]!]! >= need[j]!) tail--;
      deque[tail++] = j;
    }
    while (deque[head]! < i) head++;
    const want = need[deque[head]!]!;
    env = want < env ? want : env + (want - env) * release;
    out[i] = samples[i]! * gain * Math.min(env, need[i]!);
  }
  return { out, limited };
}

/**
 * Normalises a whole narration to `target` LUFS with its true peak at or under the ceiling. Plain gain moves
 * loudness and true peak by exactly the gain; when that would break the ceiling the limiter holds the peaks,
 * which lowers loudness a little, so gain and limiting are repeated (at most six passes) until both hold.
 */
export async function normaliseLoudness(
  samples: Float32Array,
  sampleRate: number,
  target: LoudnessTarget,
  meter: LoudnessMeter,
): Promise<{ samples: Float32Array; report: LoudnessReport }> {
  const before = await meter(samples, sampleRate);
  const shown = (m: LoudnessMeasure): LoudnessMeasure => ({ integratedLufs: round2(m.integratedLufs), truePeakDbtp: round2(m.truePeakDbtp) });
  // Silence (or nothing to measure) has no loudness to move.
  if (target === 'off' || !Number.isFinite(before.integratedLufs)) return { samples, report: { target, before: shown(before) } };
  let gainDb = target - before.integratedLufs;
  // Sample peaks under the true-peak ceiling, with room for the peaks between samples.
  let ceilingDb = TRUE_PEAK_CEILING_DBTP - 0.3;
  if (before.truePeakDbtp + gainDb <= TRUE_PEAK_CEILING_DBTP) ceilingDb = TRUE_PEAK_CEILING_DBTP + 6; // gain alone is enough
  let limited = false;
  let out = samples;
  let after = before;
  let last: { gainDb: number; lufs: number } | undefined;
  for (let pass = 0; pass < 6; pass++) {
    const r = gainAndLimit(samples, sampleRate, dbToGain(gainDb), dbToGain(ceilingDb));
    out = r.out;
    limited ||= r.limited;
    after = await meter(out, sampleRate);
    const tpOver = after.truePeakDbtp - TRUE_PEAK_CEILING_DBTP;
    const short = target - after.integratedLufs;
    if (tpOver <= 0 && Math.abs(short) <= 0.3) break;
    if (tpOver > 0) ceilingDb = Math.min(ceilingDb, TRUE_PEAK_CEILING_DBTP - 0.3) - tpOver - 0.1;
    if (Math.abs(short) > 0.3) {
      // Under the limiter a dB of gain adds less than a dB of loudness: step by the slope seen so far (secant).
      const slope = last && gainDb !== last.gainDb ? (after.integratedLufs - last.lufs) / (gainDb - last.gainDb) : 1;
      last = { gainDb, lufs: after.integratedLufs };
      gainDb += short / Math.min(1, Math.max(0.15, slope));
    }
  }
  return { samples: out, report: { target, before: shown(before), after: shown(after), gainDb: round2(gainDb), limited } };
}

/** 16-bit PCM samples as floats in [-1, 1). */
export function int16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}

/** Floats back to 16-bit PCM (rounded, clamped). */
export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)));
  return out;
}
