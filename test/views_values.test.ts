/**
 * `pad` by its values (numpy.pad fixtures, test/fixtures/pad.py) and `permute` as a view
 * (values, strides, shared storage), and `sizeOf`. Their errors are tested in views.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fromFlat, pad, permute, sizeOf, toNested, zeros } from "../src/index";

interface PadCase {
  shape: number[];
  widths: Array<[number, number]>;
  value: number;
  x: number[];
  out: number[];
  outShape: number[];
}
const fixture = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../test/fixtures/pad.json"), "utf8")) as { cases: PadCase[] };

/** Row-major flat values of any tensor view (reads through its strides). */
function flat(t: ReturnType<typeof zeros>): number[] {
  const out: number[] = [];
  const idx = new Array<number>(t.shape.length).fill(0);
  const n = sizeOf(t.shape);
  for (let k = 0; k < n; k++) {
    out.push(t.get(...idx));
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

test("pad matches numpy.pad (constant) element for element, and copies", () => {
  assert.equal(fixture.cases.length, 5);
  for (const c of fixture.cases) {
    const x = fromFlat(c.x, c.shape);
    const y = pad(x, c.widths, c.value);
    assert.deepEqual(y.shape, c.outShape, JSON.stringify(c.widths));
    assert.deepEqual(flat(y), c.out, `pad ${JSON.stringify(c.shape)} by ${JSON.stringify(c.widths)} with ${c.value}`);
    assert.notEqual(y.data, x.data, "pad returns a copy");
  }
  // The copy is independent: writing the padded array leaves the input alone.
  const x = fromFlat([1, 2, 3], [3]);
  const y = pad(x, [[1, 1]]);
  y.set(1, 100);
  assert.deepEqual(toNested(x), [1, 2, 3]);
  assert.deepEqual(toNested(y), [0, 100, 2, 3, 0]);
});

test("permute is a view: permuted shape and strides, same storage and offset, values moved", () => {
  const x = fromFlat(Array.from({ length: 24 }, (_, i) => i + 0.5), [2, 3, 4]);
  const p = permute(x, [2, 0, 1]);
  assert.deepEqual(p.shape, [4, 2, 3]);
  assert.deepEqual(p.stride, [1, 12, 4]);
  assert.equal(p.data, x.data, "no copy");
  assert.equal(p.offset, x.offset);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) assert.equal(p.get(k, i, j), x.get(i, j, k));
  // Writes through the view land in the original.
  p.set(3, 1, 2, -1);
  assert.equal(x.get(1, 2, 3), -1);
  // A permuted view of a strided view keeps its offset and strides.
  const base = fromFlat(Array.from({ length: 30 }, (_, i) => i), [5, 6]);
  const stepped = base.hi(4, 5).lo(1, 2).step(1, 2); // rows 1..3, columns 2, 4
  const q = permute(stepped, [1, 0]);
  assert.deepEqual([q.shape, q.stride, q.offset], [[2, 3], [2, 6], stepped.offset]);
  assert.deepEqual(toNested(q), [[8, 14, 20], [10, 16, 22]]);
  assert.deepEqual(toNested(permute(x, [0, 1, 2])), toNested(x));
});

test("sizeOf is the product of the shape (1 for a scalar's empty shape, 0 with a zero axis)", () => {
  assert.equal(sizeOf([2, 3, 4]), 24);
  assert.equal(sizeOf([]), 1);
  assert.equal(sizeOf([5, 0, 2]), 0);
  assert.equal(sizeOf([7]), 7);
});
