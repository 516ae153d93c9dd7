/**
 * einsumVjp against two independent oracles, on specs with strides, dilation, flips, padding,
 * scatter outputs, diagonals and labels summed in one operand:
 * - exact: numpy's brute force of the gradient's definition (test/fixtures/vjp.py -> vjp.json), held to
 *   the K-scaled rounding bound 4·(K + n)·2^-53·Σ|products| (boundMismatch in reference.ts);
 * - central finite differences (test/gradcheck.ts, EPS 1e-6): their own truncation and cancellation
 *   error is ~1e-10 relative here, so they get FD_TOLERANCE (below), not the rounding bound.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { einsum } from "../src/einsum";
import { einsumVjp, VjpOptions } from "../src/vjp";
import { fromFlat } from "../src/ndutil";
import { mulberry32 } from "../src/random";
import { numericalGradient } from "./gradcheck";
import { Tensor } from "../src/types";
import { flat } from "./affine_fixture";
import { boundMismatch, loadFixture } from "./reference";

/**
 * Finite differences with EPS = 1e-6 err by ~EPS^2·|third derivative| + u·|f|/EPS. Measured on these
 * specs: the largest relative error is 1.33e-9 (strided convolution, dx); 1e-8 leaves 7.5x (was 1e-6).
 */
const FD_TOLERANCE = 1e-8;

function random(shape: number[], rng: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromFlat(Array.from({ length: n }, () => rng() * 2 - 1), shape);
}


function check(spec: string, shapes: number[][], options: VjpOptions = {}, seed = 1): void {
  const rng = mulberry32(seed);
  const xs = shapes.map((s) => random(s, rng));
  const y = einsum(spec, ...xs, options);
  const dy = random([...y.shape], rng);
  const dyFlat = flat(dy);
  const loss = () => flat(einsum(spec, ...xs, options)).reduce((acc, v, i) => acc + v * dyFlat[i], 0);
  const grads = einsumVjp(spec, xs, dy, options);
  grads.forEach((g, i) => {
    assert.deepEqual(g.shape, xs[i].shape, `${spec}: gradient ${i} shape`);
    const want = numericalGradient(xs[i].data as Float64Array, loss);
    const got = flat(g);
    let abs = 0;
    let scale = 0;
    want.forEach((w, k) => {
      abs = Math.max(abs, Math.abs(got[k] - w));
      scale = Math.max(scale, Math.abs(w));
    });
    const rel = abs / Math.max(scale, 1e-300);
    assert.ok(rel < FD_TOLERANCE, `${spec}: operand ${i} rel error ${rel}`);
  });
}

test("vjp: strided convolution", () => check("bi(2h+k)(2w+l),oikl->bohw", [[2, 2, 7, 7], [3, 2, 3, 3]]));
test("vjp: dilated convolution", () => check("bi(h+2k)(w+2l),oikl->bohw", [[1, 2, 8, 8], [2, 2, 3, 3]]));
test("vjp: padded strided convolution (gradient cropped)", () =>
  check("bi(2h+k)(2w+l),oikl->bohw", [[1, 2, 6, 6], [2, 2, 3, 3]], { pad: { 0: [[0, 0], [0, 0], [1, 1], [1, 1]] } }));
test("vjp: true convolution with a flipped index", () => check("(h-k+2),k->h", [[9], [3]]));
test("vjp: transposed convolution (scatter output)", () => check("bohw,oikl->bi(2h+k)(2w+l)", [[1, 2, 3, 3], [2, 3, 3, 3]]));
test("vjp: odd-phase pick", () => check("i(2j+1)->ij", [[3, 8]]));
test("vjp: diagonal and a label summed in one operand", () => check("iij,jk->k", [[3, 3, 4], [4, 2]]));
test("vjp: size-1 broadcast dims are summed back", () => check("ij,ij->ij", [[3, 1], [3, 4]]));
test("vjp: three operands", () => check("ij,jk,kl->il", [[2, 3], [3, 4], [4, 2]]));
interface VjpCase {
  name: string;
  spec: string;
  pad?: Record<string, Array<[number, number]>>;
  operands: Array<{ shape: number[]; data: number[] }>;
  dy: { shape: number[]; data: number[] };
  grads: Array<{ shape: number[]; data: number[]; absSum: number[]; terms: number }>;
}

const vjpFx = loadFixture<{ numpy: string; cases: VjpCase[] }>("vjp");

for (const c of vjpFx.cases) {
  test(`vjp against numpy's brute-force gradient: ${c.name}`, () => {
    const xs = c.operands.map((o) => fromFlat(o.data, o.shape));
    const dy = fromFlat(c.dy.data, c.dy.shape);
    const options: VjpOptions = c.pad ? { pad: c.pad as VjpOptions["pad"] } : {};
    assert.deepEqual(einsum(c.spec, ...xs, options).shape, c.dy.shape, "forward shape = the fixture's dy shape");
    const grads = einsumVjp(c.spec, xs, dy, options);
    assert.equal(grads.length, c.grads.length);
    grads.forEach((g, i) => {
      const want = c.grads[i];
      assert.deepEqual(g.shape, want.shape, `gradient ${i} shape`);
      const bad = boundMismatch(flat(g), want, c.operands.length, "float64");
      assert.equal(bad, undefined, `gradient ${i}: ${bad}`);
      // the bound bites: the same gradient rounded through float32 fails it
      if (want.data.some((v) => v !== Math.fround(v))) {
        assert.notEqual(boundMismatch(want.data.map(Math.fround), want, c.operands.length, "float64"), undefined, `gradient ${i}: float32 rounding passed`);
      }
    });
  });
}
