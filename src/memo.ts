/**
 * A bounded memo for pure functions of shapes (compiled programs, offset tables,
 * cost-model plans): at most `limit` entries, the oldest evicted first. Memoized
 * values must never be mutated by their users, so the memo has no observable state
 * beyond speed; `clear()` empties it (tests, memory).
 */
export class BoundedMemo<V> {
  private readonly entries = new Map<string, V>();
  private held = 0;

  /**
   * @param limit most entries
   * @param weight optional size of a value (e.g. a table's length), with `maxWeight` the most held in total
   */
  constructor(readonly limit: number, private readonly weight?: (value: V) => number, readonly maxWeight = Infinity) {}

  /** The value under `key`, computing (and storing) it on a miss. */
  get(key: string, compute: () => V): V {
    let value = this.entries.get(key);
    if (value === undefined) {
      value = compute();
      const w = this.weight?.(value) ?? 0;
      if (w > this.maxWeight) return value; // too big to keep at all
      while (this.entries.size > 0 && (this.entries.size >= this.limit || this.held + w > this.maxWeight)) this.evictOldest();
      this.entries.set(key, value);
      this.held += w;
    }
    return value;
  }

  private evictOldest(): void {
    const [key, value] = this.entries.entries().next().value as [string, V];
    this.entries.delete(key);
    this.held -= this.weight?.(value) ?? 0;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }
}
