import { test } from "node:test";
import { symmetricRandom as rng } from "../src/random";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import {
  FFTPlans,
  ConvError,
  nextPow2,
  fftSize,
  circularLength,
  rfftAxis,
  fftAxis,
  irfftAxis,
  cropAxis,
  rfftn,
  irfftn,
  fftn,
  multiplySpectra,
  Spectrum,
} from "../src/fft";
import { splitAxis, blockOutputs } from "../src/conv/fft";

function randomArray(n: number, next: () => number): Float64Array {
  return Float64Array.from({ length: n }, next);
}

/** Naive DFT of a complex line (interleaved), forward or inverse (divided by n). */
function naiveDFT(line: ArrayLike<number>, n: number, inverse = false): Float64Array {
  const out = new Float64Array(2 * n);
  const sign = inverse ? 1 : -1;
  const m = line.length / 2;
  for (let k = 0; k < n; k++) {
    let re = 0, im = 0;
    for (let j = 0; j < Math.min(m, n); j++) {
      const ang = (sign * 2 * Math.PI * j * k) / n;
      const c = Math.cos(ang), s = Math.sin(ang);
      re += line[2 * j] * c - line[2 * j + 1] * s;
      im += line[2 * j] * s + line[2 * j + 1] * c;
    }
    out[2 * k] = inverse ? re / n : re;
    out[2 * k + 1] = inverse ? im / n : im;
  }
  return out;
}

/**
 * FFT rounding relative to the largest magnitude (at least 1): measured worst 1.04e-14 over this file's
 * checks (EINCONV_MEASURE=1 prints it); 2e-13 leaves 19x (was 1e-10).
 */
const FFT_TOL = 2e-13;

let worstRelative = 0;
process.on("exit", () => process.env.EINCONV_MEASURE && console.log(`MEASURE ${__filename}: ${worstRelative.toExponential(2)}`));

function closeArrays(got: ArrayLike<number>, want: ArrayLike<number>, tol = FFT_TOL): void {
  assert.equal(got.length, want.length, "length");
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    worstRelative = Math.max(worstRelative, Math.abs(got[i] - want[i]) / scale);
    assert.ok(Math.abs(got[i] - want[i]) <= tol * scale, `index ${i}: got ${got[i]}, want ${want[i]}`);
  }
}

test("sizes: nextPow2, fftSize and the mode-aware circular length", () => {
  assert.deepEqual([1, 2, 3, 5, 8, 9, 264].map(nextPow2), [1, 2, 4, 8, 8, 16, 512]);
  assert.deepEqual([1, 2, 3, 256, 257].map(fftSize), [2, 2, 4, 256, 512]);
  assert.equal(circularLength(256, 9, { start: 0, span: 264 }), 264); // full
  assert.equal(circularLength(256, 9, { start: 8, span: 248 }), 256); // valid
  assert.equal(circularLength(256, 9, { start: 4, span: 256 }), 260); // same
  assert.throws(() => nextPow2(0), ConvError);
  assert.throws(() => nextPow2(2.5), ConvError);
});

test("plans: cached per size, power-of-two sizes only", () => {
  const plans = new FFTPlans();
  assert.equal(plans.get(8), plans.get(8));
  assert.notEqual(plans.get(8), plans.get(16));
  assert.equal(plans.size, 2);
  assert.throws(() => plans.get(6), /power of two/);
  assert.throws(() => plans.get(1), /power of two/);
});

test("rfftAxis matches a naive DFT (sizes 2..64, zero padding, strided input)", () => {
  const next = rng(1);
  const plans = new FFTPlans();
  for (const n of [2, 4, 8, 16, 32, 64]) {
    for (const len of [n, Math.max(1, n - 3), Math.ceil(n / 2)]) {
      // a (3, 2*len) buffer read as every other column, reversed: a strided, negative-step view
      const base = ndarray(randomArray(3 * 2 * len, next), [3, 2 * len]);
      const view = base.step(1, -2);
      const s = rfftAxis(view, 1, n, plans);
      assert.deepEqual(s.shape, [3, n / 2 + 1]);
      for (let r = 0; r < 3; r++) {
        const line = new Float64Array(2 * len);
        for (let k = 0; k < len; k++) line[2 * k] = view.get(r, k);
        const want = naiveDFT(line, n).subarray(0, n + 2);
        closeArrays(s.data.subarray(r * (n + 2), (r + 1) * (n + 2)), want);
      }
    }
  }
});

test("fftAxis forward matches a naive DFT and inverse round-trips, along a middle axis", () => {
  const next = rng(2);
  const plans = new FFTPlans();
  for (const n of [2, 4, 8, 32]) {
    const shape = [2, n, 3];
    const s: Spectrum = { shape, data: randomArray(2 * 2 * n * 3, next) };
    const f = fftAxis(s, 1, n, plans, { inverse: false });
    for (let a = 0; a < 2; a++) {
      for (let c = 0; c < 3; c++) {
        const line = new Float64Array(2 * n);
        for (let k = 0; k < n; k++) {
          const p = 2 * ((a * n + k) * 3 + c);
          line[2 * k] = s.data[p];
          line[2 * k + 1] = s.data[p + 1];
        }
        const want = naiveDFT(line, n);
        const got = new Float64Array(2 * n);
        for (let k = 0; k < n; k++) {
          const p = 2 * ((a * n + k) * 3 + c);
          got[2 * k] = f.data[p];
          got[2 * k + 1] = f.data[p + 1];
        }
        closeArrays(got, want);
      }
    }
    const back = fftAxis(f, 1, n, plans, { inverse: true });
    closeArrays(back.data, s.data);
  }
});

test("irfftAxis inverts rfftAxis, with an odd line count (unpaired last line) and a crop", () => {
  const next = rng(3);
  const plans = new FFTPlans();
  const x = ndarray(randomArray(5 * 12, next), [5, 12]); // 5 lines along axis 1 -> two pairs + one
  const s = rfftAxis(x, 1, 16, plans);
  const full = irfftAxis(s, 1, 16, plans);
  assert.deepEqual(full.shape, [5, 16]);
  for (let r = 0; r < 5; r++) {
    for (let k = 0; k < 16; k++) {
      const want = k < 12 ? x.get(r, k) : 0;
      assert.ok(Math.abs(full.data[r * 16 + k] - want) < 1e-12);
    }
  }
  const cropped = irfftAxis(s, 1, 16, plans, { start: 1, length: 4, step: 3 });
  assert.deepEqual(cropped.shape, [5, 4]);
  for (let r = 0; r < 5; r++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(cropped.data[r * 4 + j] - x.get(r, 1 + 3 * j)) < 1e-12);
  // along axis 0 as well (lines strided in memory)
  const s0 = rfftAxis(x, 0, 8, plans);
  const back0 = irfftAxis(s0, 0, 8, plans, { start: 0, length: 5, step: 1 });
  closeArrays(back0.data, x.data);
});

test("irfftAxis ignores the imaginary parts of bins 0 and n/2, like numpy", () => {
  const plans = new FFTPlans();
  // spectrum of [1, 2, 3, 4] is [10, -2+2i, -2]; add junk imaginary parts to bins 0 and 2
  const s: Spectrum = { shape: [3], data: Float64Array.of(10, 5, -2, 2, -2, -7) };
  closeArrays(irfftAxis(s, 0, 4, plans).data, [1, 2, 3, 4]);
});

test("rfftn matches a naive 2-D DFT and irfftn round-trips a 3-D array over two axes", () => {
  const next = rng(4);
  const plans = new FFTPlans();
  const x = ndarray(randomArray(3 * 5, next), [3, 5]);
  const S = rfftn(x, [0, 1], [4, 8], plans);
  assert.deepEqual(S.shape, [4, 5]);
  for (let u = 0; u < 4; u++) {
    for (let v = 0; v < 5; v++) {
      let re = 0, im = 0;
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 5; j++) {
          const ang = -2 * Math.PI * (i * u / 4 + j * v / 8);
          re += x.get(i, j) * Math.cos(ang);
          im += x.get(i, j) * Math.sin(ang);
        }
      }
      assert.ok(Math.abs(S.data[2 * (u * 5 + v)] - re) < 1e-12 && Math.abs(S.data[2 * (u * 5 + v) + 1] - im) < 1e-12);
    }
  }
  // 3-D, transformed over axes 2 and 0 (real axis 0 last in the list), axis 1 a batch axis; transposed view input
  const y = ndarray(randomArray(6 * 3 * 7, next), [7, 3, 6]).transpose(2, 1, 0); // shape (6, 3, 7)
  const Y = rfftn(y, [2, 0], [8, 8], plans);
  assert.deepEqual(Y.shape, [5, 3, 8]);
  const back = irfftn(Y, [2, 0], [8, 8], [{ start: 0, length: 6, step: 1 }, { start: 1, length: 2, step: 1 }, { start: 0, length: 7, step: 1 }], plans);
  assert.deepEqual(back.shape, [6, 2, 7]);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 7; k++) {
    assert.ok(Math.abs(back.get(i, j, k) - y.get(i, j + 1, k)) < 1e-12);
  }
});

test("fftn forward/inverse round trip and cropAxis", () => {
  const next = rng(5);
  const s: Spectrum = { shape: [4, 8], data: randomArray(64, next) };
  const f = fftn(s, [0, 1], [4, 8]);
  closeArrays(fftn(f, [1, 0], [8, 4], { inverse: true }).data, s.data);
  const c = cropAxis(s, 1, { start: 1, length: 3, step: 2 });
  assert.deepEqual(c.shape, [4, 3]);
  assert.equal(c.data[2 * (2 * 3 + 1)], s.data[2 * (2 * 8 + 3)]);
  assert.throws(() => fftn(s, [0, 0], [4, 4]), /twice/);
  assert.throws(() => fftn(s, [0], [6]), /powers of two/);
  assert.throws(() => cropAxis(s, 1, { start: 6, length: 3, step: 1 }), ConvError);
});

test("multiplySpectra broadcasts length-1 axes", () => {
  const A: Spectrum = { shape: [1, 2], data: Float64Array.of(1, 2, 0, 1) }; // [1+2i, i]
  const B: Spectrum = { shape: [2, 1], data: Float64Array.of(3, 4, 2, 0) }; // [[3+4i], [2]]
  const P = multiplySpectra(A, B);
  assert.deepEqual(P.shape, [2, 2]);
  assert.deepEqual(Array.from(P.data), [-5, 10, -4, 3, 2, 4, 0, 2]);
  assert.throws(() => multiplySpectra(A, { shape: [1, 3], data: new Float64Array(6) }), /broadcast/);
});

test("splitAxis / blockOutputs: the blocks yield every output exactly once", () => {
  for (const [length, kernel, stride] of [[300, 9, 1], [256, 9, 5], [23, 6, 4], [7, 3, 2], [19, 19, 3], [40, 1, 6]]) {
    for (let factor = 1; factor <= stride; factor++) {
      if (stride % factor !== 0) continue;
      const single = splitAxis(length, kernel, stride, factor);
      assert.equal(single.blocks, 1);
      assert.equal(single.outputs, Math.floor((length - kernel) / stride) + 1);
      for (let size = fftSize(single.phaseKernel); size <= single.size; size *= 2) {
        const s = splitAxis(length, kernel, stride, factor, size);
        const seen: number[] = [];
        for (let b = 0; b < s.blocks; b++) {
          const o = blockOutputs(s, b);
          assert.ok(o.crop.start >= 0 && o.crop.start + (o.crop.length - 1) * o.crop.step < s.validPerBlock || o.crop.length === 0);
          for (let j = 0; j < o.crop.length; j++) {
            seen.push(o.first + j);
            // output i reads phase sample t*i = block start + crop position
            assert.equal(s.residual * (o.first + j), o.dataStart + o.crop.start + j * o.crop.step);
          }
        }
        assert.deepEqual(seen, Array.from({ length: s.outputs }, (_, i) => i));
      }
    }
  }
  assert.throws(() => splitAxis(10, 3, 4, 3), /divisor/);
  assert.throws(() => splitAxis(10, 12, 1, 1), /kernel length/);
});
