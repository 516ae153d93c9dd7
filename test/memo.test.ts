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
