/**
 * A bounded memo for pure functions of shapes (compiled programs, offset tables,
 * cost-model plans): at most `limit` entries, the oldest evicted first. Memoized
 * values must never be mutated by their users, so the memo has no observable state
 * beyond speed; `clear()` empties it (tests, memory).
 */
export class BoundedMemo<V> {
  private readonly entries = new Map<string, V>();

  constructor(readonly limit: number) {}

  /** The value under `key`, computing (and storing) it on a miss. */
  get(key: string, compute: () => V): V {
    let value = this.entries.get(key);
    if (value === undefined) {
      value = compute();
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, value);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
