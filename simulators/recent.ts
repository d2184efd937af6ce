// The newest entries of an unbounded stream (requests a simulator received), kept up to a limit, with
// marks that stay valid as old entries are dropped: a test takes `total` before acting and reads `since`.

export class RecentLog<T> {
  private items: T[] = [];
  private dropped = 0;
  constructor(private readonly limit: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.limit) {
      this.items.shift();
      this.dropped++;
    }
  }

  /** How many entries were ever pushed: the mark to give {@link since} later. */
  get total(): number {
    return this.dropped + this.items.length;
  }

  /** The entries pushed after `mark`, oldest first; throws when some of them were dropped already. */
  since(mark: number): T[] {
    const start = mark - this.dropped;
    if (start < 0) throw new Error(`${-start} entries after mark ${mark} were dropped (only the last ${this.limit} are kept)`);
    return this.items.slice(start);
  }

  /** The newest entry, if any. */
  last(): T | undefined {
    return this.items.at(-1);
  }
}
