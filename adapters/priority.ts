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

/** Items waiting by priority key: the lowest key first, in arrival order within a key. */
export class PriorityLines<T> {
  private readonly byKey = new Map<number, T[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  private line(key: number): T[] {
    let items = this.byKey.get(key);
    if (!items) {
      items = [];
      this.byKey.set(key, items);
    }
    return items;
  }

  push(key: number, item: T): void {
    this.line(key).push(item);
    this.count++;
  }

  /** Puts `item` back at the head of its key's line. */
  unshift(key: number, item: T): void {
    this.line(key).unshift(item);
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const key = Math.min(...this.byKey.keys());
    const items = this.byKey.get(key)!;
    const item = items.shift()!;
    if (items.length === 0) this.byKey.delete(key);
    this.count--;
    return item;
  }

  /** The items in the order {@link shift} would give them. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const key of [...this.byKey.keys()].sort((a, b) => a - b)) yield* this.byKey.get(key)!;
  }

  remove(key: number, item: T): void {
    const items = this.byKey.get(key);
    const at = items?.indexOf(item) ?? -1;
    if (at < 0) return;
    items!.splice(at, 1);
    if (items!.length === 0) this.byKey.delete(key);
    this.count--;
  }
}

/**
 * Lets at most `width` tasks run at once and serves the waiting ones by priority key (lowest first), in arrival
 * order within a key. A task is never dropped: a low key only waits while higher ones are waiting.
 */
export class PriorityGate {
  private running = 0;
  private readonly waiting = new PriorityLines<() => void>();

  constructor(readonly width: number) {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`gate width must be a positive integer, not ${width}`);
  }

  /** Tasks waiting for a turn. */
  get queued(): number {
    return this.waiting.size;
  }

  async run<T>(priorityKey: number, task: () => Promise<T>): Promise<T> {
    // A finishing task hands its place straight to the next waiting one, so the running count stays the same.
    if (this.running >= this.width) await new Promise<void>((resolve) => this.waiting.push(priorityKey, resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
