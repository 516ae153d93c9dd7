/**
 * Greedy pairwise path (the opt_einsum / numpy heuristic): repeatedly contract the
 * pair whose result shrinks the operand list the most (result size minus input
 * sizes), breaking ties by FLOPs, then by position; pairs sharing a label are
 * preferred to outer products.
 *
 * Scaling: candidate pairs live in a binary heap (opt_einsum's design). A pair's
 * score depends only on its two operands and on whether each of their labels is
 * held elsewhere; contracting i and j into k changes that only for pairs touching
 * i, j or k, so old entries stay valid (entries of dead operands are skipped) and
 * each step pushes just the pairs of k with the operands sharing one of its labels.
 * Only label-sharing pairs are queued; outer products are scanned when none is left.
 * n operands cost about O(n · neighbours · log n): 1000 one-axis operands plan in
 * a fraction of a second. Choices are exactly those of scoring every pair every
 * step (test/paths.test.ts checks that against a brute-force scan).
 *
 * With a `memoryLimit` (numpy's memory_limit), a pair whose result exceeds it is never queued nor picked
 * (numpy sieves it the same way, once, when the pair is first scored); when no pair is allowed the path ends
 * with one step over all remaining operands (numpy: "default back to einsum like behavior").
 */
import { PathFinder, PathStep, SizeMap, flopCount, spanSize } from "./types";

/** A scored candidate pair; smaller sorts first (ids give the position tie-break). */
interface Candidate {
  readonly lo: number;
  readonly hi: number;
  readonly shares: number; // 0 when the pair shares a label, 1 for an outer product
  readonly removed: number; // result size minus the two input sizes
  readonly flops: number;
  readonly kept: Set<string>;
}

function before(a: Candidate, b: Candidate): boolean {
  if (a.shares !== b.shares) return a.shares < b.shares;
  if (a.removed !== b.removed) return a.removed < b.removed;
  if (a.flops !== b.flops) return a.flops < b.flops;
  return a.lo !== b.lo ? a.lo < b.lo : a.hi < b.hi;
}

/** A minimal binary min-heap over {@link before}. */
class CandidateHeap {
  private readonly items: Candidate[] = [];
  get size(): number {
    return this.items.length;
  }
  push(c: Candidate): void {
    const h = this.items;
    h.push(c);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Candidate | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

export const greedyPath: PathFinder = ({ inputs, output, sizes, memoryLimit = Infinity }) => {
  // Operands by id (inputs first, then each step's result); null once contracted.
  const sets: Array<Set<string> | null> = inputs.map((s) => new Set(s));
  const spans: number[] = sets.map((s) => spanSize(s!, sizes));
  const holders = new Map<string, Set<number>>();
  const hold = (l: string, id: number) => (holders.get(l) ?? holders.set(l, new Set()).get(l)!).add(id);
  sets.forEach((s, id) => s!.forEach((l) => hold(l, id)));
  const live: number[] = sets.map((_, id) => id); // ascending ids = numpy's positions
  const score = (i: number, j: number): Candidate => scorePair(Math.min(i, j), Math.max(i, j), sets, spans, holders, output, sizes);

  const heap = new CandidateHeap();
  const queuePairsOf = (ids: Iterable<number>) => {
    for (const i of ids) {
      const seen = new Set<number>();
      for (const l of sets[i]!) {
        for (const j of holders.get(l)!) {
          if (j >= i || seen.has(j)) continue;
          seen.add(j);
          const c = score(i, j);
          if (spanSize(c.kept, sizes) <= memoryLimit) heap.push(c);
        }
      }
    }
  };
  queuePairsOf(live);

  const path: PathStep[] = [];
  while (live.length > 1) {
    let best: Candidate | undefined;
    while (heap.size > 0 && !best) {
      const c = heap.pop()!;
      if (sets[c.lo] && sets[c.hi]) best = c;
    }
    // No label-sharing pair left: the best outer product among what remains.
    if (!best) {
      for (let a = 0; a < live.length; a++) {
        for (let b = a + 1; b < live.length; b++) {
          const c = score(live[a], live[b]);
          if (spanSize(c.kept, sizes) <= memoryLimit && (!best || before(c, best))) best = c;
        }
      }
    }
    // Nothing fits under the memory limit: one step over everything left (numpy's fallback).
    if (!best) {
      path.push({ operands: live.map((_, pos) => pos) });
      break;
    }
    const { lo, hi, kept } = best!;
    path.push({ operands: [live.indexOf(lo), live.indexOf(hi)] });
    for (const id of [lo, hi]) {
      for (const l of sets[id]!) holders.get(l)!.delete(id);
      live.splice(live.indexOf(id), 1);
      sets[id] = null;
    }
    const k = sets.length;
    sets.push(kept);
    spans.push(spanSize(kept, sizes));
    kept.forEach((l) => hold(l, k));
    live.push(k);
    queuePairsOf([k]);
  }
  return path;
};

/** The greedy score of contracting operands `lo` and `hi` now. */
function scorePair(
  lo: number,
  hi: number,
  sets: ReadonlyArray<ReadonlySet<string> | null>,
  spans: readonly number[],
  holders: ReadonlyMap<string, ReadonlySet<number>>,
  output: ReadonlySet<string>,
  sizes: SizeMap,
): Candidate {
  const a = sets[lo]!;
  const b = sets[hi]!;
  const kept = new Set<string>();
  const union = new Set<string>();
  let shares = 1;
  for (const l of [...a, ...b]) {
    if (union.has(l)) continue;
    union.add(l);
    const inA = a.has(l);
    const inB = b.has(l);
    if (inA && inB) shares = 0;
    // Kept when the output or a third operand still needs it.
    if (output.has(l) || holders.get(l)!.size - (inA ? 1 : 0) - (inB ? 1 : 0) > 0) kept.add(l);
  }
  const removed = spanSize(kept, sizes) - spans[lo] - spans[hi];
  return { lo, hi, shares, removed, flops: flopCount(union, kept.size < union.size, 2, sizes), kept };
}
