/** The scipy/numpy convolution fixture (test/fixtures/conv.py → conv.json), typed once for every conv test. */
import * as fs from "node:fs";
import * as path from "node:path";
import ndarray from "ndarray";
import { ConvMode, PerAxis } from "../src/conv";
import { Tensor } from "../src/types";

/** A flat row-major array with its shape. */
export interface Encoded {
  shape: number[];
  data: number[];
}

/** The error bound's inputs for float data (conv.py): Σ|x||k| per output element, and K (taps x channels). */
export interface BoundInputs {
  absSum: number[];
  terms: number;
}

export interface ConvolveCase extends BoundInputs {
  x: string;
  k: string;
  mode: ConvMode;
  stride: PerAxis;
  padding: PerAxis;
  dilation: PerAxis;
  expected: Encoded;
}

export interface NHWCCase extends BoundInputs {
  w: string;
  stride: PerAxis;
  padding: PerAxis | "valid" | "same";
  dilation: PerAxis;
  expected: Encoded;
}

export interface ConvFixture {
  outputSize: Array<{ in: number; kernel: number; padding: number; stride: number; out: number }>;
  convolve: { data: Record<string, Encoded>; kernels: Record<string, Encoded>; cases: ConvolveCase[] };
  seed003: { x: Encoded; k: Encoded; stride: number; expected: Encoded };
  sameEven: { x: Encoded; k: Encoded; correlate2d: Encoded; correlate: Encoded };
  randomFloat: BoundInputs & { x: Encoded; k: Encoded; stride: PerAxis; padding: PerAxis; mode: ConvMode; expected: Encoded };
  nhwc: {
    x: Encoded;
    w: Record<string, Encoded>;
    cases: NHWCCase[];
    flip: { w: string; noflip: Encoded; flipped: Encoded; noflipAbsSum: number[]; flippedAbsSum: number[]; terms: number };
  };
}

export const convFixture = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../test/fixtures/conv.json"), "utf8")) as ConvFixture;

/** A float64 tensor from an encoded array. */
export function decode(e: Encoded): Tensor {
  return ndarray(Float64Array.from(e.data), e.shape);
}

/** The elements of any view in row-major order. */
export function flat(t: Tensor): number[] {
  const out: number[] = [];
  const walk = (axis: number, offset: number): void => {
    if (axis === t.shape.length) {
      out.push(t.data[offset]);
      return;
    }
    for (let i = 0; i < t.shape[axis]; i++) walk(axis + 1, offset + i * t.stride[axis]);
  };
  walk(0, t.offset);
  return out;
}
