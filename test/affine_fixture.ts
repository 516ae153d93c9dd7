/** The numpy fixtures of the affine notation (test/fixtures/affine.py → affine.json), shared by its tests. */
import fs from "node:fs";
import path from "node:path";
import { PadOption } from "../src/affine_einsum";
import { Tensor } from "../src/types";

/** An array as stored in the fixture file: shape and row-major values. */
export interface Enc {
  shape: number[];
  data: number[];
}

/** One windowed computation, its affine spec and numpy's result. */
export interface AffineCase {
  name: string;
  spec: string;
  operands: Enc[];
  options: { pad?: PadOption };
  result: Enc;
}

export const AFFINE_CASES = (
  JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "test", "fixtures", "affine.json"), "utf8")) as { cases: AffineCase[] }
).cases;

/** Row-major values of any view, read through its strides and offset (no `.get`, so plain view records work too). */
export function flat(t: Tensor): number[] {
  const out: number[] = [];
  const walk = (axis: number, at: number) => {
    if (axis === t.shape.length) return void out.push(t.data[at] as number);
    for (let i = 0; i < t.shape[axis]; i++) walk(axis + 1, at + i * t.stride[axis]);
  };
  walk(0, t.offset);
  return out;
}
