// What the activities see of a provider whose calls run on pooled keys (adapters/key-pool.ts): a call's context, the
// provider's two entry points, and what a key test found.
import type { Stage } from '../domain/errors';

/** What a provider call is for: the job it serves (to show "waiting for quota") and how many requests it makes. */
export interface CallContext {
  stage: Stage;
  jobId?: string;
  batchId?: string;
  /** Requests the call will make (TTS chunks). @default 1 */
  cost?: number;
  /** A model with its own per-project quota (Gemini-TTS): counted against it, apart from the service's classic quota. */
  model?: string;
}

/** A provider whose calls run on pooled keys. */
export interface KeyedProvider<C> {
  run<T>(ctx: CallContext, call: (client: C) => Promise<T>): Promise<T>;
  /** One cheap call on one given key (an admin's key test); its outcome moves the key's breaker like any call. */
  probe?(keyId: string): Promise<KeyProbeResult>;
}

/** What a key test found. */
export interface KeyProbeResult {
  ok: boolean;
  /** What the provider said (the error's message, the key masked), or what was checked. */
  message: string;
  latencyMs: number;
}
