/** Path search works on label sets and sizes only — never on data. */

/** Sizes of every label in an expression. */
export type SizeMap = ReadonlyMap<string, number>;

/** One pairwise (or n-ary) contraction: positions in the current operand list, numpy-style. */
export interface PathStep {
  /** Positions of the operands contracted now; they are removed and the result appended. */
  readonly operands: readonly number[];
}

/** Input to a path search. */
export interface PathProblem {
  readonly inputs: ReadonlyArray<ReadonlySet<string>>;
  readonly output: ReadonlySet<string>;
  readonly sizes: SizeMap;
  /**
   * Largest intermediate allowed, in elements (numpy's `memory_limit`); absent = no limit. A pairwise step
   * whose result is larger is never taken; when no allowed step is left, the path ends with one step that
   * contracts every remaining operand at once, as numpy's `_greedy_path` and `_optimal_path` do.
   */
  readonly memoryLimit?: number;
}

/** A path-search strategy. */
export type PathFinder = (problem: PathProblem) => PathStep[];

/** Number of elements spanned by a label set. */
export function spanSize(labels: Iterable<string>, sizes: SizeMap): number {
  let n = 1;
  for (const l of labels) n *= sizes.get(l) ?? 1;
  return n;
}

/** numpy's `_flop_count`: elements visited times (terms - 1, at least 1), plus one if something is summed. */
export function flopCount(labels: ReadonlySet<string>, inner: boolean, numTerms: number, sizes: SizeMap): number {
  return spanSize(labels, sizes) * (Math.max(1, numTerms - 1) + (inner ? 1 : 0));
}

/** Labels the contraction of `picked` keeps: those still needed by another operand or the output. */
export function keptLabels(picked: ReadonlyArray<ReadonlySet<string>>, others: ReadonlyArray<ReadonlySet<string>>, output: ReadonlySet<string>): Set<string> {
  const kept = new Set<string>();
  for (const set of picked) {
    for (const l of set) if (output.has(l) || others.some((o) => o.has(l))) kept.add(l);
  }
  return kept;
}

/** Cost of contracting `picked` (numpy's flop count for that step) and the labels it keeps. */
export function stepCost(picked: ReadonlyArray<ReadonlySet<string>>, others: ReadonlyArray<ReadonlySet<string>>, output: ReadonlySet<string>, sizes: SizeMap): { kept: Set<string>; flops: number } {
  const all = new Set<string>();
  for (const set of picked) for (const l of set) all.add(l);
  const kept = keptLabels(picked, others, output);
  return { kept, flops: flopCount(all, kept.size < all.size, picked.length, sizes) };
}
