// The estimator's duration model: each provider drains its work at the lowest of quota, token quota and
// concurrency ÷ latency; the slower one bounds the batch, plus one job's critical path.
import type { PriceTable } from '../catalog';

/** Per-stage latencies in milliseconds. */
export interface Latencies {
  geminiMasterMs: number;
  geminiAdaptationMs: number;
  ttsRequestMs: number;
}

/** How long a batch should take, and which provider bounds it. */
export interface DurationEstimate {
  seconds: number;
  bottleneck: 'gemini' | 'tts';
  gemini: { callsPerMinute: number; seconds: number };
  tts: { requestsPerMinute: number; seconds: number };
  latencies: Latencies & { measured: boolean };
}

/** What drains a batch's work: keys and activity slots per provider, and how long each call takes. */
export interface Capacity {
  /** Keys (Google Cloud projects) available per provider. @default 1 each */
  keys?: { gemini?: number; tts?: number };
  /** Concurrent activity slots across workers. @default gemini 10, tts 8 (one worker) */
  slots?: { gemini?: number; tts?: number };
  /** Latencies measured on recent work; the price file's defaults fill what is missing. */
  latencies?: Partial<Latencies>;
}

/** The work to time, and the capacity that drains it. */
export interface DurationInput extends Capacity {
  /** Gemini model the scripts are written with (its quota row). */
  model: string;
  masterCalls: number;
  adaptations: number;
  /** Gemini calls, regenerations included. */
  geminiCalls: number;
  /** Gemini input plus output tokens of all calls. */
  geminiTokens: number;
  ttsRequests: number;
  /** True when some language is adapted from the master: one more call on every job's critical path. */
  adapts: boolean;
}

/** Estimates the batch's wall time from quotas, slots and latencies. */
export function estimateDuration(d: DurationInput, prices: PriceTable): DurationEstimate {
  const measured = stripUndefined(d.latencies ?? {});
  const lat: Latencies = { ...prices.latencies, ...measured };
  const keys = { gemini: Math.max(1, d.keys?.gemini ?? 1), tts: Math.max(1, d.keys?.tts ?? 1) };
  const slots = { gemini: Math.max(1, d.slots?.gemini ?? 10), tts: Math.max(1, d.slots?.tts ?? 8) };
  const { geminiCalls, ttsRequests } = d;
  const quota = prices.quotas.gemini[d.model];
  const tokensPerCall = geminiCalls > 0 ? d.geminiTokens / geminiCalls : 0;
  const avgGeminiMs = geminiCalls > 0 ? (d.masterCalls * lat.geminiMasterMs + d.adaptations * lat.geminiAdaptationMs) / geminiCalls : lat.geminiMasterMs;
  const geminiPerMin = Math.min(
    quota ? keys.gemini * quota.requestsPerMinute : Infinity,
    quota && tokensPerCall > 0 ? (keys.gemini * quota.tokensPerMinute) / tokensPerCall : Infinity,
    (slots.gemini * 60_000) / avgGeminiMs,
  );
  const ttsPerMin = Math.min(keys.tts * prices.quotas.tts.requestsPerMinute, (slots.tts * 60_000) / lat.ttsRequestMs);
  const geminiSeconds = geminiCalls > 0 ? (geminiCalls / geminiPerMin) * 60 : 0;
  const ttsSeconds = ttsRequests > 0 ? (ttsRequests / ttsPerMin) * 60 : 0;
  const criticalMs = lat.geminiMasterMs + (d.adapts ? lat.geminiAdaptationMs : 0) + lat.ttsRequestMs;
  const seconds = Math.max(geminiSeconds, ttsSeconds) + criticalMs / 1000;
  return {
    seconds: Math.round(seconds),
    bottleneck: geminiSeconds >= ttsSeconds ? 'gemini' : 'tts',
    gemini: { callsPerMinute: Math.round(geminiPerMin * 10) / 10, seconds: Math.round(geminiSeconds) },
    tts: { requestsPerMinute: Math.round(ttsPerMin * 10) / 10, seconds: Math.round(ttsSeconds) },
    latencies: { ...lat, measured: Object.keys(measured).length > 0 },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
