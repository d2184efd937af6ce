// Call counters of a simulator: per endpoint, per kind and per key, readable and resettable by tests.
import { createHash } from 'node:crypto';

/** A short digest of a request's content, to tell two requests apart in a count of answers. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export interface CounterSnapshot {
  total: number;
  byEndpoint: Record<string, number>;
  byKind: Record<string, number>;
  byKey: Record<string, number>;
  /** Requests answered with an error, by HTTP status. */
  errors: Record<string, number>;
  /** Requests answered with success (the calls Google bills), by kind or endpoint. */
  answered: Record<string, number>;
  /** Characters billed for successful requests, as Google counts them (TTS). */
  billedCharacters: number;
}

export class CallCounters {
  private state: CounterSnapshot = CallCounters.empty();
  /** When each request arrived, per key (`…last4`): for checks of requests in any sliding minute. */
  private times = new Map<string, number[]>();
  /** How often each identified request (what it asked for, not who asked) was answered with success. */
  private identities = new Map<string, number>();
  private static empty(): CounterSnapshot {
    return { total: 0, byEndpoint: {}, byKind: {}, byKey: {}, errors: {}, answered: {}, billedCharacters: 0 };
  }
  /** Counts one request that reached the API (successful or not), which arrived at `arrived`. */
  record(endpoint: string, key: string | undefined, kind?: string, arrived = Date.now()): void {
    this.state.total++;
    this.state.byEndpoint[endpoint] = (this.state.byEndpoint[endpoint] ?? 0) + 1;
    if (kind) this.state.byKind[kind] = (this.state.byKind[kind] ?? 0) + 1;
    const k = key ? `…${key.slice(-4)}` : '(none)';
    this.state.byKey[k] = (this.state.byKey[k] ?? 0) + 1;
    let t = this.times.get(k);
    if (!t) this.times.set(k, (t = []));
    t.push(arrived);
  }
  /** Arrival times (ms since the epoch) of the requests made with a key, by its `…last4` label. */
  callTimes(label: string): number[] {
    return [...(this.times.get(label) ?? [])];
  }
  /** Counts the characters of a request that was answered with audio (Google bills those only). */
  bill(characters: number): void {
    this.state.billedCharacters += characters;
  }
  /**
   * Counts one request answered with success, by its kind (Gemini) or endpoint (TTS), and by `identity`
   * (what was asked, for example the voice and text) when given, so a request bought twice can be named.
   */
  recordAnswer(label: string, identity?: string): void {
    this.state.answered[label] = (this.state.answered[label] ?? 0) + 1;
    if (identity !== undefined) this.identities.set(identity, (this.identities.get(identity) ?? 0) + 1);
  }
  /** Identified requests answered with success more than once, with how often. */
  repeatedAnswers(): Array<{ identity: string; times: number }> {
    return [...this.identities].filter(([, n]) => n > 1).map(([identity, times]) => ({ identity, times }));
  }
  recordError(status: number): void {
    this.state.errors[String(status)] = (this.state.errors[String(status)] ?? 0) + 1;
  }
  snapshot(): CounterSnapshot {
    return structuredClone(this.state);
  }
  reset(): void {
    this.state = CallCounters.empty();
    this.times.clear();
    this.identities.clear();
  }
}
