/** The shape of test/fixtures/basics.json (written by test/fixtures/basics.py) and its number decoding. */
import { loadFixture } from "./reference";

/** JSON numbers, with NaN and ±Inf spelled as strings. */
export type Num = number | "nan" | "inf" | "-inf";

export function num(v: Num): number {
  return v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v;
}
export const nums = (vs: readonly Num[]): number[] => vs.map(num);

export interface BasicsFixture {
  arange: Array<{ args: number[]; dtype: "float64" | "float32" | "int32" | null; numpyDtype: string; values: Num[] }>;
  linspace: Array<{ start: number; stop: number; num: number; endpoint: boolean; dtype: "float64" | "float32" | "int32" | null; values: Num[] }>;
  allclose: Array<{ a: Num[]; aShape: number[]; b: Num[]; bShape: number[]; rtol: number; atol: number; equalNan: boolean; allclose: boolean; isclose: boolean[]; maxAbsDiff: Num }>;
  pairs: { x: Num[]; y: Num[]; isclose: boolean[]; iscloseEqualNan: boolean[] };
  reshape: Array<{ n: number; shape: number[]; strides: number[]; offset: number; target: number[]; view: boolean; resultShape: number[]; resultStrides?: number[]; values?: Num[] }>;
  assertAllClose: Array<{ actual: Num[]; desired: Num[]; shape: number[]; rtol: number; atol: number; passes: boolean; mismatches?: number; total?: number; maxAbsDiff?: Num; maxRelDiff?: Num }>;
  random: {
    words: Record<string, number[]>;
    rand: Record<string, number[]>;
    randFloat32: Record<string, number[]>;
    randn: Record<string, number[]>;
    randnFloat32: Record<string, number[]>;
  };
}

export const basics = (): BasicsFixture => loadFixture<BasicsFixture>("basics");
