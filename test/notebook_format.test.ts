import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import ndarray from "ndarray";
import { formatArray, formatTableHtml } from "../src/notebook/format";
import type { NumericData, Tensor } from "../src/types";

interface ReprCase {
  name: string;
  dtype: "float64" | "float32" | "int32";
  shape: number[];
  data: Array<number | string>;
  transpose: number[] | null;
  repr: string;
}

const fixturePath = path.join(__dirname, "..", "..", "test", "fixtures", "notebook_repr.json");
const fixture = JSON.parse(fs.readFileSync(fixturePath, "utf8")) as { cases: ReprCase[] };

function decode(v: number | string): number {
  if (typeof v === "number") return v;
  return { nan: NaN, inf: Infinity, "-inf": -Infinity, "-0": -0 }[v] ?? Number.NaN;
}

function build(c: ReprCase): Tensor {
  const values = c.data.map(decode);
  const data: NumericData =
    c.dtype === "float32" ? Float32Array.from(values) : c.dtype === "int32" ? Int32Array.from(values) : Float64Array.from(values);
  const x = ndarray(data, c.shape.slice());
  return c.transpose ? x.transpose(...c.transpose) : x;
}

for (const c of fixture.cases) {
  test(`formatArray matches numpy repr: ${c.name}`, () => {
    assert.equal(formatArray(build(c)), c.repr);
  });
}

test("formatTableHtml renders small 2-D arrays only", () => {
  const x = ndarray(new Float64Array([1, 2.5, -3, 4]), [2, 2]);
  const html = formatTableHtml(x);
  assert.ok(html !== undefined);
  // Cells use numpy's element formatting, so the column width padding is trimmed.
  for (const cell of ["1. ", "2.5", "-3. ", "4. "]) assert.ok(html.includes(`>${cell.trim()}</td>`), cell);
  assert.ok(html.includes("shape (2, 2), float64"));
  assert.equal(formatTableHtml(ndarray(new Float64Array(3), [3])), undefined);
  assert.equal(formatTableHtml(ndarray(new Float64Array(100 * 2), [100, 2])), undefined);
});
