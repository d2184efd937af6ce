// A batch's priority inside one worker process. Temporal's matcher serves a high-priority batch's tasks first,
// but once tasks hold a worker's slots they compete as equals for what the process shares: the audio threads
// (adapters/audio-pool.ts) and the key rows every paid call leases and reports on (adapters/key-pool.ts).
import { Context } from '@temporalio/activity';

/** Temporal's default priority key (the middle of 1–5), for work with no activity priority. */
export const DEFAULT_PRIORITY_KEY = 3;

/** The priority key of the activity this runs in (its batch's priority), or the default outside one. */
export function activityPriorityKey(): number {
  try {
    return Context.current().info.priority?.priorityKey ?? DEFAULT_PRIORITY_KEY;
  } catch {
    return DEFAULT_PRIORITY_KEY; // not in an activity: a test, a benchmark or an admin's key test
  }
}

/**
 * Lets at most `width` tasks run at once and serves the waiting ones by priority key (lowest first), in arrival
 * order within a key. A task is never dropped: a low key only waits while higher ones are waiting.
 */
export class PriorityGate {
  private running = 0;
  private readonly waiting = new Map<number, Array<() => void>>();
  private waitingCount = 0;

  constructor(readonly width: number) {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`gate width must be a positive integer, not ${width}`);
  }

  /** Tasks waiting for a turn. */
  get queued(): number {
    return this.waitingCount;
  }

  async run<T>(priorityKey: number, task: () => Promise<T>): Promise<T> {
    if (this.running >= this.width) await this.turn(priorityKey);
    else this.running++;
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Waits until a finishing task hands its place over (the running count stays the same). */
  private turn(priorityKey: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let line = this.waiting.get(priorityKey);
      if (!line) {
        line = [];
        this.waiting.set(priorityKey, line);
      }
      line.push(resolve);
      this.waitingCount++;
    });
  }

  private release(): void {
    if (this.waitingCount === 0) {
      this.running--;
      return;
    }
    const key = Math.min(...this.waiting.keys());
    const line = this.waiting.get(key)!;
    const next = line.shift()!;
    if (line.length === 0) this.waiting.delete(key);
    this.waitingCount--;
    next();
  }
}
