/**
 * The affine-index arithmetic (src/affine.ts) against brute force: every label
 * value is enumerated and the index evaluated, on seeded random indices.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AffineIndex, formatAffine, indexReach, largestRange, startsInside } from "../src/affine";
import { mulberry32 } from "../src/random";

/** All values of the index over the given ranges, by enumeration. */
function values(index: AffineIndex, ranges: Record<string, number>): number[] {
  let out = [index.constant];
  for (const { label, coef } of index.terms) {
    const next: number[] = [];
    for (const v of out) for (let i = 0; i < ranges[label]; i++) next.push(v + coef * i);
    out = next;
  }
  return out;
}

function randomIndex(u: () => number): AffineIndex {
  const labels = ["h", "k", "l"].slice(0, 1 + Math.floor(u() * 3));
  const terms = labels.map((label) => {
    const mag = 1 + Math.floor(u() * 3);
    return { label, coef: u() < 0.3 ? -mag : mag };
  });
  return { terms, constant: Math.floor(u() * 9) - 2 };
}

test("indexReach is the min and max over all label values", () => {
  const u = mulberry32(7);
  for (let c = 0; c < 300; c++) {
    const index = randomIndex(u);
    const ranges: Record<string, number> = { h: 1 + Math.floor(u() * 6), k: 1 + Math.floor(u() * 4), l: 1 + Math.floor(u() * 4) };
    const all = values(index, ranges);
    assert.deepEqual(indexReach(index, (l) => ranges[l]), { lo: Math.min(...all), hi: Math.max(...all) }, formatAffine(index));
  }
  assert.equal(indexReach({ terms: [{ label: "h", coef: 1 }], constant: 0 }, () => 0), null);
});

test("largestRange is the largest range that keeps every value inside the bounds", () => {
  const u = mulberry32(11);
  for (let c = 0; c < 300; c++) {
    const index = randomIndex(u);
    const ranges: Record<string, number> = { h: 0, k: 1 + Math.floor(u() * 4), l: 1 + Math.floor(u() * 4) };
    const label = index.terms[0].label;
    const bounds = { lo: 0, hi: 3 + Math.floor(u() * 12) };
    const fits = (r: number) => values(index, { ...ranges, [label]: r }).every((v) => v >= bounds.lo && v <= bounds.hi);
    let brute = 0;
    while (brute < 100 && fits(brute + 1)) brute++;
    const got = largestRange(index, label, (l) => ranges[l], bounds);
    assert.equal(got, brute, `${formatAffine(index)} over ${label} in ${bounds.lo}..${bounds.hi}`);
  }
});

test("a convolution's output size is the largest range of its affine index", () => {
  // (stride*o + dilation*k - pad) over 0..in+2pad-1 shifted by pad: floor((in + 2p - d(k-1) - 1)/s) + 1
  for (const [inSize, k, pad, stride, dilation] of [[28, 3, 0, 1, 1], [56, 5, 1, 2, 1], [10, 3, 0, 1, 2], [7, 3, 0, 2, 1]]) {
    const index: AffineIndex = { terms: [{ label: "o", coef: stride }, { label: "k", coef: dilation }], constant: -pad };
    const got = largestRange(index, "o", () => k, { lo: -pad, hi: inSize - 1 + pad });
    assert.equal(got, Math.floor((inSize + 2 * pad - dilation * (k - 1) - 1) / stride) + 1);
  }
});

test("startsInside and formatAffine", () => {
  const hk: AffineIndex = { terms: [{ label: "h", coef: 1 }, { label: "k", coef: -1 }], constant: 2 };
  assert.equal(startsInside(hk, () => 3, { lo: 0, hi: 9 }), true);
  assert.equal(startsInside(hk, () => 4, { lo: 0, hi: 9 }), false);
  assert.equal(formatAffine(hk), "h-k+2");
  assert.equal(formatAffine({ terms: [{ label: "h", coef: 2 }, { label: "k", coef: 1 }], constant: 0 }), "2h+k");
  assert.equal(formatAffine({ terms: [{ label: "j", coef: 2 }], constant: 1 }), "2j+1");
  assert.equal(formatAffine({ terms: [{ label: "h", coef: -1 }], constant: -3 }), "-h-3");
  assert.equal(formatAffine({ terms: [], constant: 0 }), "0");
});
