/**
 * src/affine.ts edges that mutation testing (npm run mutation -- affine) found unpinned:
 * largestRange against its definition by brute force (negative coefficients, the label not
 * first, other labels with range 0), its error for an absent label, startsInside on an index
 * that takes no value, and formatAffine's zero coefficient and zero constant.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type AffineIndex, formatAffine, indexReach, largestRange, startsInside } from "../src/affine";

/** The definition: the largest R with every index value for label < R (others over their ranges) inside bounds. */
function bruteLargest(index: AffineIndex, label: string, ranges: Record<string, number>, lo: number, hi: number): number {
  const others = index.terms.filter((t) => t.label !== label);
  let R = 0;
  for (let v = 0; v < 40; v++) {
    // every combination of the other labels
    let ok = true;
    const combos = others.reduce<number[][]>((acc, t) => acc.flatMap((c) => Array.from({ length: ranges[t.label] }, (_, i) => [...c, i])), [[]]);
    if (others.some((t) => ranges[t.label] <= 0)) return 0;
    for (const c of combos) {
      let x = index.constant + index.terms.find((t) => t.label === label)!.coef * v;
      others.forEach((t, i) => (x += t.coef * c[i]));
      if (x < lo || x > hi) ok = false;
    }
    if (!ok) break;
    R = v + 1;
  }
  return R;
}

test("largestRange equals its definition on small indices (either sign, label in any position)", () => {
  let cases = 0;
  for (const a of [-2, -1, 1, 3])
    for (const b of [-1, 0, 1, 2])
      for (const c of [-3, 0, 2, 5])
        for (const rk of [0, 1, 3])
          for (const first of [true, false])
          for (const lo of [0, -2]) {
            const terms = first ? [{ label: "h", coef: a }, { label: "k", coef: b }] : [{ label: "k", coef: b }, { label: "h", coef: a }];
            const index: AffineIndex = { terms, constant: c };
            const ranges: Record<string, number> = { k: rk };
            const got = largestRange(index, "h", (l) => ranges[l], { lo, hi: 9 });
            assert.equal(got, bruteLargest(index, "h", ranges, lo, 9), `${formatAffine(index)}, k < ${rk}, bounds ${lo}..9`);
            cases++;
          }
  assert.equal(cases, 768);
});

test("largestRange names a label that is not in the index", () => {
  assert.throws(() => largestRange({ terms: [{ label: "h", coef: 1 }], constant: 0 }, "w", () => 3, { lo: 0, hi: 9 }), (e: unknown) => e instanceof RangeError && e.message === "largestRange: label 'w' is not in the index");
});

test("startsInside: true for an index with no value (a label of range 0), else by its lowest reach", () => {
  const index: AffineIndex = { terms: [{ label: "h", coef: 1 }, { label: "k", coef: -1 }], constant: 1 };
  assert.equal(indexReach(index, (l) => (l === "k" ? 0 : 4)), null);
  assert.equal(startsInside(index, (l) => (l === "k" ? 0 : 4), { lo: 0, hi: 9 }), true);
  assert.equal(startsInside(index, () => 2, { lo: 0, hi: 9 }), true); // lowest 1 - 1 = 0
  assert.equal(startsInside(index, () => 3, { lo: 0, hi: 9 }), false); // lowest 1 - 2 = -1
  assert.deepEqual(indexReach(index, () => 3), { lo: -1, hi: 3 });
});

test("formatAffine writes zero coefficients, zero and negative constants as a spec would", () => {
  assert.equal(formatAffine({ terms: [], constant: 0 }), "0");
  assert.equal(formatAffine({ terms: [], constant: -2 }), "-2");
  assert.equal(formatAffine({ terms: [{ label: "h", coef: 2 }], constant: 0 }), "2h");
  assert.equal(formatAffine({ terms: [{ label: "h", coef: 0 }], constant: 1 }), "0h+1");
  assert.equal(formatAffine({ terms: [{ label: "h", coef: -1 }, { label: "k", coef: 3 }], constant: -4 }), "-h+3k-4");
});
