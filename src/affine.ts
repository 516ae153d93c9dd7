/**
 * Affine indices: the one home of index arithmetic shared by the einsum notation
 * (`"bi(2h+k)(2w+l),oikl->bohw"`) and every convolution's geometry.
 *
 * An affine index is `c1*l1 + c2*l2 + ... + constant` over labels that each run
 * from 0 (Tullio's 0-based rule). Everything here is arithmetic on sizes and
 * coefficients; nothing touches data.
 *
 * A convolution's output size is the special case `(stride*o + dilation*k - padBefore)`
 * over an axis of `size` with `padBefore + padAfter` zeros around it: the largest
 * range of `o` that keeps the index inside the padded axis.
 */

/** One label times a non-zero integer coefficient inside an affine index. */
export interface AffineTerm {
  readonly label: string;
  readonly coef: number;
}

/** `sum(coef * label) + constant`, e.g. `(2h+k-1)`. Labels are distinct within one index. */
export interface AffineIndex {
  readonly terms: readonly AffineTerm[];
  readonly constant: number;
}

/** The closed interval `lo..hi` of the values an index takes. */
export interface IndexReach {
  readonly lo: number;
  readonly hi: number;
}

/** Label → its range (the label runs over `0..range-1`). */
export type RangeOf = (label: string) => number;

/**
 * The smallest and largest value of `index` when each label runs over its
 * whole range; `null` when some label has range 0 (the index takes no value).
 *
 * @example
 * indexReach({ terms: [{ label: "h", coef: 2 }, { label: "k", coef: 1 }], constant: 0 }, (l) => (l === "h" ? 32 : 3));
 * // { lo: 0, hi: 64 }
 */
export function indexReach(index: AffineIndex, range: RangeOf): IndexReach | null {
  let lo = index.constant;
  let hi = index.constant;
  for (const { label, coef } of index.terms) {
    const r = range(label);
    if (r <= 0) return null;
    const span = coef * (r - 1);
    if (span > 0) hi += span;
    else lo += span;
  }
  return { lo, hi };
}

/**
 * The largest range `R >= 0` of `label` such that, with `label` over `0..R-1` and
 * every other label over its whole range, the index stays inside `bounds`.
 * Returns 0 when no value of `label` fits (the caller decides whether that is an
 * empty result or an error: see {@link startsInside}).
 *
 * @example
 * // valid 1-D convolution (h+k) over 10 inputs with a 3-tap kernel: h < 8
 * largestRange({ terms: [{ label: "h", coef: 1 }, { label: "k", coef: 1 }], constant: 0 }, "h", () => 3, { lo: 0, hi: 9 }); // 8
 */
export function largestRange(index: AffineIndex, label: string, range: RangeOf, bounds: IndexReach): number {
  const term = index.terms.find((t) => t.label === label);
  if (!term) throw new RangeError(`largestRange: label '${label}' is not in the index`);
  const others = indexReach({ terms: index.terms.filter((t) => t !== term), constant: index.constant }, range);
  if (others === null) return 0;
  if (others.lo < bounds.lo || others.hi > bounds.hi) return 0;
  // label = 0 fits; each further step moves one end by |coef|.
  const room = term.coef > 0 ? bounds.hi - others.hi : others.lo - bounds.lo;
  return Math.floor(room / Math.abs(term.coef)) + 1;
}

/**
 * Whether the index, with every label at its smallest reach, starts inside
 * `bounds.lo`. When it does not, the amount to add to the constant so that it
 * does is `bounds.lo - reach.lo` (the "start above 0" error suggests it).
 */
export function startsInside(index: AffineIndex, range: RangeOf, bounds: IndexReach): boolean {
  const reach = indexReach(index, range);
  return reach === null || reach.lo >= bounds.lo;
}

/** The index as written in a spec, without parentheses: `2h+k`, `h-k+2`, `2j+1`, `-h`. */
export function formatAffine(index: AffineIndex): string {
  let text = "";
  for (const { label, coef } of index.terms) {
    const mag = Math.abs(coef) === 1 ? "" : String(Math.abs(coef));
    text += coef < 0 ? `-${mag}${label}` : `${text ? "+" : ""}${mag}${label}`;
  }
  if (index.constant !== 0 || text === "") text += index.constant < 0 || text === "" ? String(index.constant) : `+${index.constant}`;
  return text;
}
