import { test } from "node:test";
import assert from "node:assert/strict";
import { BoundedMemo } from "../src/memo";

test("BoundedMemo computes once per key and evicts the oldest entry past its limit", () => {
  const memo = new BoundedMemo<number>(2);
  let calls = 0;
  const square = (x: number) => memo.get(String(x), () => (calls++, x * x));
  assert.equal(square(3), 9);
  assert.equal(square(3), 9);
  assert.equal(calls, 1);
  square(4);
  square(5); // evicts "3"
  assert.equal(memo.size, 2);
  assert.equal(square(3), 9);
  assert.equal(calls, 4);
  memo.clear();
  assert.equal(memo.size, 0);
});

test("BoundedMemo with a weight keeps the total under maxWeight and never keeps an oversized value", () => {
  const memo = new BoundedMemo<number[]>(10, (v) => v.length, 5);
  const fill = (key: string, n: number) => memo.get(key, () => new Array<number>(n).fill(0));
  fill("a", 2);
  fill("b", 2);
  assert.equal(memo.size, 2);
  fill("c", 3); // 2 + 2 + 3 > 5: "a" goes
  assert.equal(memo.size, 2);
  const big = fill("d", 6);
  assert.equal(big.length, 6);
  assert.notEqual(fill("d", 6), big, "an oversized value is recomputed, not kept");
  assert.equal(memo.size, 2);
});
