/**
 * einsumVjp against central finite differences (test/gradcheck.ts), on specs with
 * strides, dilation, flips, padding, scatter outputs, diagonals and labels summed in
 * one operand. Tolerance as the conv layer's gradient tests: relative error < 1e-6.
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

function random(shape: number[], rng: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromFlat(Array.from({ length: n }, () => rng() * 2 - 1), shape);
}


let worst = 0;

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
    worst = Math.max(worst, rel);
    assert.ok(rel < 1e-6, `${spec}: operand ${i} rel error ${rel}`);
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
test("vjp: largest relative error", () => {
  console.log(`einsumVjp largest relative error vs finite differences: ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-6);
});
