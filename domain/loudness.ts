// Pure loudness normalisation of a whole narration: gain to the target integrated loudness, then a look-ahead
// peak limiter that keeps the true peak under the ceiling. Measuring is injected (an ITU-R BS.1770 meter).

/** Loudness targets a batch or agent may ask for, in LUFS integrated; `off` leaves the audio as spoken. */
export const LOUDNESS_TARGETS = ['off', -23, -16, -14] as const;
export type LoudnessTarget = (typeof LOUDNESS_TARGETS)[number];

/** Podcast apps and video platforms expect about -16 to -14 LUFS. @default -16 */
export const DEFAULT_LOUDNESS: LoudnessTarget = -16;
/** Highest true peak a normalised narration may reach, in dBTP. */
export const TRUE_PEAK_CEILING_DBTP = -1;
/**
 * Ceiling of the PCM before lossy encoding: the encoder's filtering raises true peaks (measured with ffmpeg on
 * limited speech: MP3 at 64 kbps up to about 1.5 dB, Opus at 32 kbps up to about 3 dB), so the delivered file
 * stays at or under -1 dBTP.
 */
export const ENCODER_TRUE_PEAK_CEILING_DBTP: Record<'MP3' | 'OGG_OPUS' | 'LINEAR16', number> = { LINEAR16: TRUE_PEAK_CEILING_DBTP, MP3: -3, OGG_OPUS: -4.5 };

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
  /** The true-peak ceiling the PCM was held under (lower before lossy encoding). */
  ceilingDbtp?: number;
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

/** Half-width of the interpolation kernel that estimates peaks between samples (4× oversampling). */
const TAPS = 8;
/** Hann-windowed sinc taps for the three points between two samples (¼, ½, ¾), one after another. */
const KERNELS = (() => {
  const k = new Float64Array(3 * 2 * TAPS);
  [0.25, 0.5, 0.75].forEach((frac, p) => {
    for (let t = 0; t < 2 * TAPS; t++) {
      const x = t - TAPS + 1 - frac;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      k[p * 2 * TAPS + t] = sinc * (0.5 + 0.5 * Math.cos((Math.PI * x) / TAPS));
    }
  });
  return k;
})();

/**
 * The largest magnitude at each sample and the three interpolated points after it (an estimate of the true
 * peak), for samples [from, to) written into `out`; a caller may fill `out` in slices.
 */
export function interSamplePeaks(x: Float32Array, out = new Float32Array(x.length), from = 0, to = x.length): Float32Array {
  const n = x.length;
  const span = 2 * TAPS;
  const k1 = KERNELS.subarray(0, span);
  const k2 = KERNELS.subarray(span, 2 * span);
  const k3 = KERNELS.subarray(2 * span, 3 * span);
  for (let i = from; i < to; i++) {
    let m = Math.abs(x[i]!);
    const start = i - TAPS + 1;
    if (start >= 0 && start + span <= n) {
      let v1 = 0;
      let v2 = 0;
      let v3 = 0;
      for (let t = 0; t < span; t++) {
        const xv = x[start + t]!;
        v1 += xv * k1[t]!;
        v2 += xv * k2[t]!;
        v3 += xv * k3[t]!;
      }
      m = Math.max(m, Math.abs(v1), Math.abs(v2), Math.abs(v3));
    }
    out[i] = m;
  }
  return out;
}

/** Minimum of `a` over [i - w, i + w] for every i (monotonic deque, linear time). */
function windowMin(a: Float32Array, w: number): Float32Array {
  const n = a.length;
  const out = new Float32Array(n);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let j = 0, i = -w; i < n; j++, i++) {
    if (j < n) {
      while (tail > head && a[dq[tail - 1]!]! >= a[j]!) tail--;
      dq[tail++] = j;
    }
    if (i < 0) continue;
    while (dq[head]! < i - w) head++;
    out[i] = a[dq[head]!]!;
  }
  return out;
}

/**
 * Scales by `gain` and holds the (interpolated) peaks under `ceiling` (linear) with a look-ahead limiter: the
 * gain each peak needs is held over ±`lookaheadMs`, smoothed by a moving average of the same width (so it
 * ramps down before the peak and never exceeds what the peak needs), then recovers over `releaseMs`.
 */
export function gainAndLimit(
  samples: Float32Array,
  sampleRate: number,
  gain: number,
  ceiling: number,
  peaks: Float32Array = interSamplePeaks(samples),
  releaseMs = 20,
  lookaheadMs = 2,
): { out: Float32Array; limited: boolean } {
  const n = samples.length;
  const need = new Float32Array(n);
  let limited = false;
  for (let i = 0; i < n; i++) {
    const a = peaks[i]! * gain;
    need[i] = a > ceiling ? ceiling / a : 1;
    if (a > ceiling) limited = true;
  }
  if (!limited) return { out: scaled(samples, gain), limited };
  const out = new Float32Array(n);
  const w = Math.max(1, Math.round((sampleRate * lookaheadMs) / 1000));
  const held = windowMin(need, w);
  // Moving average of the held gain over the same ±w: every value averaged around a peak is at most its need.
  const release = 1 - Math.exp(-1 / ((sampleRate * releaseMs) / 1000));
  let sum = 0;
  for (let j = 0; j < Math.min(n, w); j++) sum += held[j]!;
  let env = 1;
  for (let i = 0; i < n; i++) {
    if (i + w < n) sum += held[i + w]!;
    if (i - w - 1 >= 0) sum -= held[i - w - 1]!;
    const count = Math.min(n - 1, i + w) - Math.max(0, i - w) + 1;
    const smooth = Math.min(sum / count, held[i]!);
    env = smooth < env ? smooth : env + (smooth - env) * release;
    out[i] = samples[i]! * gain * env;
  }
  return { out, limited };
}

/**
 * What normalising a narration measured `before` takes when it needs no limiter: nothing (target `off`, or silence,
 * which has no loudness to move), or a plain gain (`gain`, linear), which moves loudness and true peak by exactly
 * itself (up to which near-silent blocks the -70 LUFS gate keeps), so nothing is estimated or measured again: that is
 * half the metering's CPU. Undefined when the gain would break the ceiling, so the limiter must hold the peaks.
 */
export function withoutLimiter(before: LoudnessMeasure, target: LoudnessTarget, ceilingDbtp: number = TRUE_PEAK_CEILING_DBTP): { gain?: number; report: LoudnessReport } | undefined {
  if (target === 'off' || !Number.isFinite(before.integratedLufs)) return { report: { target, before: shown(before) } };
  const gainDb = target - before.integratedLufs;
  if (before.truePeakDbtp + gainDb > ceilingDbtp) return undefined;
  const after = { integratedLufs: before.integratedLufs + gainDb, truePeakDbtp: before.truePeakDbtp + gainDb };
  return { gain: dbToGain(gainDb), report: { target, before: shown(before), after: shown(after), gainDb: round2(gainDb), limited: false, ceilingDbtp } };
}

const shown = (m: LoudnessMeasure): LoudnessMeasure => ({ integratedLufs: round2(m.integratedLufs), truePeakDbtp: round2(m.truePeakDbtp) });

/**
 * Normalises a whole narration to `target` LUFS with its true peak at or under the ceiling. Plain gain moves
 * loudness and true peak by exactly the gain (measured once, before: `withoutLimiter`); when that would break the
 * ceiling the limiter holds the peaks, which lowers loudness a little, so gain and limiting are repeated (at most six
 * passes) until both hold.
 */
export async function normaliseLoudness(
  samples: Float32Array,
  sampleRate: number,
  target: LoudnessTarget,
  meter: LoudnessMeter,
  /** Estimates inter-sample peaks (the adapter does it in slices, so the event loop keeps turning). */
  estimatePeaks?: (samples: Float32Array) => Promise<Float32Array>,
  /** Highest true peak allowed, dBTP. @default TRUE_PEAK_CEILING_DBTP */
  ceilingDbtp: number = TRUE_PEAK_CEILING_DBTP,
  /** The samples' measure, when the caller has taken it already. */
  measured?: LoudnessMeasure,
): Promise<{ samples: Float32Array; report: LoudnessReport }> {
  const before = measured ?? (await meter(samples, sampleRate));
  const plain = withoutLimiter(before, target, ceilingDbtp);
  // (`withoutLimiter` answers every `off`; the second test tells the compiler so.)
  if (plain || target === 'off') return { samples: plain?.gain === undefined ? samples : scaled(samples, plain.gain), report: plain?.report ?? { target, before: shown(before) } };
  let gainDb = target - before.integratedLufs;
  // Sample peaks under the true-peak ceiling, with room for the peaks between samples.
  let ceilingDb = ceilingDbtp - 0.3;
  let limited = false;
  let out = samples;
  let after = before;
  // Peaks do not depend on the gain: estimated once for every pass.
  const peaks = await (estimatePeaks ?? ((x: Float32Array) => Promise.resolve(interSamplePeaks(x))))(samples);
  let last: { gainDb: number; lufs: number } | undefined;
  for (let pass = 0; pass < 6; pass++) {
    const r = gainAndLimit(samples, sampleRate, dbToGain(gainDb), dbToGain(ceilingDb), peaks);
    out = r.out;
    limited ||= r.limited;
    after = await meter(out, sampleRate);
    const tpOver = after.truePeakDbtp - ceilingDbtp;
    const short = target - after.integratedLufs;
    if (tpOver <= 0 && Math.abs(short) <= 0.3) break;
    if (tpOver > 0) ceilingDb = Math.min(ceilingDb, ceilingDbtp - 0.3) - tpOver - 0.1;
    if (Math.abs(short) > 0.3) {
      // Under the limiter a dB of gain adds less than a dB of loudness: step by the slope seen so far (secant).
      const slope = last && gainDb !== last.gainDb ? (after.integratedLufs - last.lufs) / (gainDb - last.gainDb) : 1;
      last = { gainDb, lufs: after.integratedLufs };
      gainDb += short / Math.min(1, Math.max(0.15, slope));
    }
  }
  return { samples: out, report: { target, before: shown(before), after: shown(after), gainDb: round2(gainDb), limited, ceilingDbtp } };
}

/** `samples` times `gain`, in a new array (a plain loop: `Float32Array.map` calls a function per sample, ~5× slower). */
function scaled(samples: Float32Array, gain: number): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! * gain;
  return out;
}

/** 16-bit PCM samples as floats in [-1, 1), in a new array or written into `out` (at least as long). */
export function int16ToFloat(samples: Int16Array, out = new Float32Array(samples.length)): Float32Array {
  const n = samples.length;
  for (let i = 0; i < n; i++) out[i] = samples[i]! / 32768;
  return out;
}

/** Floats back to 16-bit PCM (rounded, clamped). */
export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)));
  return out;
}
