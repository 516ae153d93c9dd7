/**
 * tensordot against numpy: the `tensordot` section of test/fixtures/einsum.json (written by einsum.py),
 * with integer axes (0..3, and the default 2) and pairs of axis lists (negative axes included), plus
 * numpy's error cases. Also cross-checks tensordot on strided views with the equivalent einsum spec run
 * through the brute-force reference.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { tensordot, EinsumError } from "../src/index";
import { Arr, FixtureArray, Numeric, dtypeOf, firstMismatch, fromFixture, loadFixture, referenceEinsum, toFlat, tolerance } from "./reference";

type Axes = number | [number[], number[]];

interface TensordotCase {
  name: string;
  a: FixtureArray;
  b: FixtureArray;
  axes: Axes | null;
  expected: FixtureArray;
}

interface TensordotError {
  name: string;
  shapes: [number[], number[]];
  axes: Axes;
  numpyError: { type: string; message: string };
  mustMention: string[];
}

const fx = loadFixture<{ tensordot: TensordotCase[]; tensordotErrors: TensordotError[] }>("einsum");
const callTensordot = tensordot as unknown as (...args: unknown[]) => Arr;

function check(label: string, got: Arr, want: FixtureArray): void {
  assert.deepEqual(got.shape, want.shape, `${label}: shape`);
  assert.equal(dtypeOf(got), want.dtype, `${label}: dtype`);
  const bad = firstMismatch(toFlat(got), want.data, tolerance(want.dtype));
  assert.equal(bad, undefined, `${label}: ${bad}`);
}

test("tensordot fixtures are present", () => {
  assert.ok(fx.tensordot.length >= 15);
  assert.ok(fx.tensordotErrors.length >= 5);
});

for (const c of fx.tensordot) {
  test(`tensordot ${c.name} (axes ${JSON.stringify(c.axes)})`, () => {
    const a = fromFixture(c.a);
    const b = fromFixture(c.b);
    const got = c.axes === null ? callTensordot(a, b) : callTensordot(a, b, c.axes);
    check(c.name, got, c.expected);
  });
}

for (const e of fx.tensordotErrors) {
  test(`tensordot error: ${e.name} (numpy ${e.numpyError.type}: ${e.numpyError.message})`, () => {
    const [sa, sb] = e.shapes;
    const a = ndarray<Numeric>(new Float64Array(sa.reduce((x, y) => x * y, 1)), sa.slice());
    const b = ndarray<Numeric>(new Float64Array(sb.reduce((x, y) => x * y, 1)), sb.slice());
    let caught: unknown;
    try {
      callTensordot(a, b, e.axes);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof EinsumError, `${e.name}: expected an EinsumError, got ${String(caught)}`);
    const msg = (caught as Error).message;
    for (const src of e.mustMention) assert.match(msg, new RegExp(src, "i"), `${e.name}: ${msg}`);
  });
}

test("tensordot on reversed and transposed views equals the reference einsum", () => {
  const base = ndarray<Numeric>(Float64Array.from({ length: 24 }, (_, i) => (i % 7) - 3), [2, 3, 4]);
  const a = base.step(-1, 1, -1).transpose(2, 0, 1); // (4, 2, 3), non-contiguous
  const b = ndarray<Numeric>(Float64Array.from({ length: 30 }, (_, i) => (i % 5) - 2), [5, 3, 2]).transpose(2, 1, 0); // (2, 3, 5)
  const got = callTensordot(a, b, 2);
  const want = referenceEinsum("kij,ijl->kl", [a, b]);
  assert.deepEqual(got.shape, want.shape);
  assert.equal(firstMismatch(toFlat(got), want.data, 1e-12), undefined);
  const c = b.transpose(1, 0, 2); // (3, 2, 5)
  for (const axes of [[[2, 1], [0, 1]], [[-1, -2], [0, -2]]] as Array<[number[], number[]]>) {
    const got2 = callTensordot(a, c, axes);
    const want2 = referenceEinsum("kij,jil->kl", [a, c]);
    assert.deepEqual(got2.shape, want2.shape, JSON.stringify(axes));
    assert.equal(firstMismatch(toFlat(got2), want2.data, 1e-12), undefined, JSON.stringify(axes));
  }
});
