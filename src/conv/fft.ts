/**
 * The blog's FFT convolution of 2-D / 3-D data, without its wasted work.
 *
 * Computes the VALID cross-correlation (no kernel flip, CNN convention) over
 * the first two axes, summed over depth, with a stride:
 *
 *   y[i, j] = sum_{u, v, c} x[sh*i + u, sw*j + v, c] * k[u, v, c]
 *
 * How, and why:
 * - Only the two spatial axes are transformed; depth is a batch axis and the
 *   per-channel products are summed in the frequency domain, so there is one
 *   inverse transform per output block (one in total for a single block).
 * - Forward transforms use fft.js's real-input transform along the width
 *   (half spectrum), then complex transforms along the height. The inverse
 *   runs along the height first, keeping only the wanted rows, then along the
 *   width for those rows only.
 * - Transform lengths: a valid correlation needs a circular length of only the
 *   input length (wrap-around lands on outputs valid mode drops), rounded up to
 *   a power of two for fft.js: 256 stays 256 instead of the 512 that padding
 *   to the full length 256 + 9 - 1 needs.
 * - Stride: polyphase decomposition (see `fft/split.ts`). x and k are split
 *   into f phases per axis (f divides the stride), each phase pair is a
 *   stride-s/f correlation of arrays f times smaller, and all phase products
 *   are accumulated in the same frequency-domain buffer before the inverse.
 *   The phases are zero-copy strided views.
 * - Power-of-two rounding: an axis of 300 would pad to 512. Overlap-save
 *   blocks (several transforms of a smaller power of two, each giving
 *   N - K + 1 outputs) recover most of that; likewise a polyphase split can
 *   round badly (256 at stride 5 gives phases of 52 -> 64, 320 per axis).
 *   So the polyphase factor and block length of each axis are picked by an
 *   operation-count model over all candidates ({@link planConv2dFFT}).
 */
import type { NdArray } from "ndarray";
import ndarray from "ndarray";
import type { Tensor } from "../types";
import { ConvError } from "../fft/errors";
import { FFTPlans } from "../fft/plan";
import { fftSize } from "../fft/sizes";
import { RealView, Spectrum, zeroSpectrum } from "../fft/layout";
import { irfftn, rfftn } from "../fft/nd";
import { accumulateCorrelation } from "../fft/products";
import { AxisSplit, blockOutputs, splitAxis } from "../fft/split";

/** Options of {@link planConv2dFFT} (and of {@link conv2dFFT}). */
export interface Conv2dFFTPlanOptions {
  /** Step between output samples along (height, width); positive integers. */
  stride: [number, number];
  /**
   * Polyphase split of the stride: "auto" (default) lets the cost model pick a
   * divisor of the stride per axis; true always splits by the full stride;
   * false never splits (stride-1 correlation, only the kept rows and columns
   * are inverse-transformed).
   */
  polyphase?: "auto" | boolean;
  /**
   * Transform lengths per axis: "auto" (default) lets the cost model choose
   * overlap-save blocks; "single" uses one block per axis (next power of two
   * >= the phase length); a pair forces the lengths (powers of two).
   */
  blockSizes?: "auto" | "single" | [number, number];
}

/** Options of {@link conv2dFFT}. */
export interface Conv2dFFTOptions extends Conv2dFFTPlanOptions {
  /** FFT cache to reuse across calls; a fresh one per call otherwise. */
  plans?: FFTPlans;
}

/** The chosen split of both spatial axes, and its modelled cost. */
export interface Conv2dFFTPlan {
  rows: AxisSplit;
  cols: AxisSplit;
  /** Depth of the data, and of the kernel (1 for a 2-D kernel reused on every channel). */
  channels: number;
  kernelChannels: number;
  /** Output shape (height, width). */
  outShape: [number, number];
  /** Work counts of the plan (the cost model's features). */
  work: Conv2dFFTWork;
  /**
   * Modelled run time in milliseconds on the development machine (a 2-core
   * VM, Node 20); comparable between plans and methods, not a promise.
   */
  cost: number;
}

/**
 * Work counts of a plan, the features of the cost model. Exported through
 * `Conv2dFFTPlan.work` so the model can be refitted (bench/fft_quick.ts).
 */
export interface Conv2dFFTWork {
  /** Butterflies (n log2 n) of real-input transforms and of complex transforms. */
  realButterflies: number;
  complexButterflies: number;
  /** Elements gathered into / scattered out of transform buffers. */
  moves: number;
  /** Of those, moves along columns of spectra larger than CACHE_BYTES (cache-missing strided access). */
  farMoves: number;
  /** Complex multiply-adds of spectra. */
  products: number;
  /** fft.js calls (one per line). */
  lines: number;
  /** N-D transform calls (allocation and line tables). */
  calls: number;
}

/**
 * Cost-model weights, in nanoseconds per unit of work: non-negative least
 * squares (relative error) on 82 forced plans over 14 shapes of the blog's
 * kind, Node 20 on the 2-core development VM. Median predicted/actual time
 * 1.00 (range 0.62-1.23). The features are collinear (products move with
 * column moves), so single weights mean little; the sum is what is fitted.
 */
const WEIGHTS: Conv2dFFTWork = {
  realButterflies: 3.4,
  complexButterflies: 1.5,
  moves: 4,
  farMoves: 0.4,
  products: 0,
  lines: 130,
  calls: 2300,
};

/** Spectra larger than this are assumed to miss cache on column passes. */
const CACHE_BYTES = 1 << 19;

function butterflies(n: number): number {
  return n * Math.log2(n);
}

/** Rows of phase data read by the blocks of an axis (the last block may be short). */
function blockRows(s: AxisSplit): number {
  let rows = 0;
  for (let b = 0; b < s.blocks; b++) rows += Math.max(0, Math.min(s.size, s.phaseLength - b * s.validPerBlock));
  return rows;
}

function planWork(rows: AxisSplit, cols: AxisSplit, channels: number, kernelChannels: number): Conv2dFFTWork {
  const n0 = rows.size, n1 = cols.size, bins = n1 / 2 + 1;
  const phases = rows.livePhases * cols.livePhases;
  const blocks = rows.blocks * cols.blocks;
  const far = channels * n0 * bins * 16 > CACHE_BYTES ? 1 : 0;
  // Real passes: kernel rows once, data rows of every block (columns only change the width blocks).
  const realLines = phases * (kernelChannels * rows.phaseKernel + channels * blockRows(rows) * cols.blocks);
  // Column passes: kernel once, data per block, and one inverse per block.
  const columnLines = phases * (kernelChannels + channels * blocks) * bins + blocks * bins;
  // Inverse rows: the kept rows, two per complex transform, once per column block.
  const inverseLines = cols.blocks * Math.ceil(rows.outputs / 2);
  return {
    realButterflies: realLines * butterflies(n1),
    complexButterflies: columnLines * butterflies(n0) + inverseLines * butterflies(n1),
    moves: realLines * 1.5 * n1 + columnLines * 2 * n0 + inverseLines * 3 * n1,
    farMoves: far * columnLines * 2 * n0,
    products: phases * channels * blocks * n0 * bins,
    lines: realLines + columnLines + inverseLines,
    calls: phases * (1 + blocks) + blocks,
  };
}

function workCost(w: Conv2dFFTWork): number {
  let total = 0;
  for (const key of Object.keys(WEIGHTS) as Array<keyof Conv2dFFTWork>) total += WEIGHTS[key] * w[key];
  return total * 1e-6; // ns -> ms
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Candidate splits of one axis under the options. */
function axisCandidates(length: number, kernel: number, stride: number, polyphase: "auto" | boolean, sizes: "auto" | "single" | number): AxisSplit[] {
  const factors = polyphase === "auto" ? divisors(stride) : [polyphase ? stride : 1];
  const out: AxisSplit[] = [];
  for (const f of factors) {
    const single = splitAxis(length, kernel, stride, f);
    if (sizes === "single") out.push(single);
    else if (typeof sizes === "number") out.push(splitAxis(length, kernel, stride, f, sizes));
    else {
      // Every power of two from the kernel phase length up to one block.
      for (let n = fftSize(single.phaseKernel); n <= single.size; n *= 2) out.push(splitAxis(length, kernel, stride, f, n));
    }
  }
  return out;
}

function shapeOf(x: { shape: readonly number[] }): readonly number[] {
  return x.shape;
}

function checkShapes(xShape: readonly number[], kShape: readonly number[], stride: [number, number]): { channels: number; kernelChannels: number } {
  const xr = xShape.length, kr = kShape.length;
  if (xr !== 2 && xr !== 3) throw new ConvError(`conv2dFFT: x must be (h, w) or (h, w, c), got shape [${xShape.join(", ")}]`);
  if (kr !== 2 && kr !== 3) {
    throw new ConvError(`conv2dFFT: kernel must be (kh, kw) or (kh, kw, c), got shape [${kShape.join(", ")}]`);
  }
  if (kr === 3 && xr === 2) {
    throw new ConvError(`conv2dFFT: a 3-D kernel [${kShape.join(", ")}] needs 3-D data, got [${xShape.join(", ")}]`);
  }
  const channels = xr === 3 ? xShape[2] : 1;
  const kernelChannels = kr === 3 ? kShape[2] : 1;
  if (kr === 3 && kernelChannels !== channels) {
    throw new ConvError(`conv2dFFT: kernel has ${kernelChannels} channels but x has ${channels}`);
  }
  if (!Array.isArray(stride) || stride.length !== 2 || !stride.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new ConvError(`conv2dFFT: stride must be two positive integers, got ${JSON.stringify(stride)}`);
  }
  const [h, w] = xShape;
  const [kh, kw] = kShape;
  if (kh < 1 || kw < 1 || channels < 1 || h < 1 || w < 1) throw new ConvError(`conv2dFFT: empty kernel or data`);
  if (kh > h || kw > w) {
    throw new ConvError(`conv2dFFT: kernel (${kh}, ${kw}) is larger than the input (${h}, ${w}) in valid mode; pad the input first`);
  }
  return { channels, kernelChannels };
}

/**
 * Chooses how {@link conv2dFFT} splits the two spatial axes (polyphase factor
 * and overlap-save block length per axis) by minimising the modelled cost,
 * and returns the plan with its cost (usable by a method chooser).
 *
 * @example
 * planConv2dFFT([256, 256, 5], [9, 9, 5], { stride: [1, 1] }).rows.size // 256 (one block)
 * planConv2dFFT([300, 300, 5], [9, 9, 5], { stride: [5, 5] }).rows.factor // 5
 */
export function planConv2dFFT(xShape: readonly number[], kShape: readonly number[], opts: Conv2dFFTPlanOptions): Conv2dFFTPlan {
  const { channels, kernelChannels } = checkShapes(xShape, kShape, opts.stride);
  const polyphase = opts.polyphase ?? "auto";
  const sizes = opts.blockSizes ?? "auto";
  const rowCands = axisCandidates(xShape[0], kShape[0], opts.stride[0], polyphase, Array.isArray(sizes) ? sizes[0] : sizes);
  const colCands = axisCandidates(xShape[1], kShape[1], opts.stride[1], polyphase, Array.isArray(sizes) ? sizes[1] : sizes);
  let best: Conv2dFFTPlan | undefined;
  for (const rows of rowCands) {
    for (const cols of colCands) {
      const work = planWork(rows, cols, channels, kernelChannels);
      const cost = workCost(work);
      if (best === undefined || cost < best.cost) {
        best = { rows, cols, channels, kernelChannels, outShape: [rows.outputs, cols.outputs], work, cost };
      }
    }
  }
  return best as Conv2dFFTPlan;
}

/** Channel-first (c, h, w) view of a (h, w) or (h, w, c) array: zero-copy, strides permuted. */
function channelFirst(x: Tensor): RealView {
  const [s0, s1, s2] = x.stride;
  if (x.shape.length === 2) return { data: x.data, shape: [1, x.shape[0], x.shape[1]], stride: [0, s0, s1], offset: x.offset };
  return { data: x.data, shape: [x.shape[2], x.shape[0], x.shape[1]], stride: [s2, s0, s1], offset: x.offset };
}

/**
 * Phase (p0, p1) of a channel-first view under factors (f0, f1), restricted
 * to the block of at most (n0, n1) samples starting at (start0, start1) of
 * the phase. Zero-copy; may be empty.
 */
function phaseBlock(v: RealView, p: [number, number], f: [number, number], start: [number, number], n: [number, number]): RealView {
  const [c, h, w] = v.shape;
  const [sc, s0, s1] = v.stride;
  const ph = Math.ceil((h - p[0]) / f[0]);
  const pw = Math.ceil((w - p[1]) / f[1]);
  return {
    data: v.data,
    shape: [c, Math.max(0, Math.min(n[0], ph - start[0])), Math.max(0, Math.min(n[1], pw - start[1]))],
    stride: [sc, s0 * f[0], s1 * f[1]],
    offset: v.offset + (p[0] + f[0] * start[0]) * s0 + (p[1] + f[1] * start[1]) * s1,
  };
}

/**
 * Strided VALID cross-correlation over the first two axes by FFT, summed over
 * depth: the blog's `conv3D` FFT method, without its waste (see the module
 * comment: real transforms, depth summed in the frequency domain, polyphase
 * stride, mode-aware and blocked transform lengths).
 *
 * `x` is (h, w) or (h, w, c); `kernel` is (kh, kw) or (kh, kw, c) with the same
 * c. A 2-D kernel on 3-D data is applied to every channel (the blog's
 * depth-repeated kernel). Inputs may be any strided views (transposed,
 * stepped, offset); nothing is copied except into transform buffers. Padding
 * and "same"/"full" modes are the caller's job: pad x first. Returns a new
 * contiguous float64 array of shape
 * (floor((h - kh) / sh) + 1, floor((w - kw) / sw) + 1).
 *
 * @example
 * // the 7x7 / 3x3 / stride-2 worked example -> [[91, 100, 88], [69, 91, 117], [44, 72, 74]] (to rounding)
 * const y = conv2dFFT(x7, k3, { stride: [2, 2] });
 */
export function conv2dFFT(x: Tensor, kernel: Tensor, opts: Conv2dFFTOptions): NdArray<Float64Array> {
  const plan = planConv2dFFT(shapeOf(x), shapeOf(kernel), opts);
  const { rows, cols } = plan;
  const plans = opts.plans ?? new FFTPlans();
  const sizes = [rows.size, cols.size];
  const n: [number, number] = [rows.size, cols.size];
  const f: [number, number] = [rows.factor, cols.factor];
  const xv = channelFirst(x);
  const kv = channelFirst(kernel);
  // Kernel spectra: one per live phase pair, shared by every block.
  const phases: Array<{ p: [number, number]; K: Spectrum }> = [];
  for (let p0 = 0; p0 < rows.livePhases; p0++) {
    for (let p1 = 0; p1 < cols.livePhases; p1++) {
      const K = rfftn(phaseBlock(kv, [p0, p1], f, [0, 0], n), [1, 2], sizes, plans);
      phases.push({ p: [p0, p1], K });
    }
  }
  const [outH, outW] = plan.outShape;
  const single = rows.blocks === 1 && cols.blocks === 1;
  const out = single ? undefined : new Float64Array(outH * outW);
  for (let b0 = 0; b0 < rows.blocks; b0++) {
    const r = blockOutputs(rows, b0);
    for (let b1 = 0; b1 < cols.blocks; b1++) {
      const c = blockOutputs(cols, b1);
      if (r.crop.length === 0 || c.crop.length === 0) continue;
      const acc = zeroSpectrum([rows.size, cols.size / 2 + 1]);
      for (const { p, K } of phases) {
        const view = phaseBlock(xv, p, f, [r.dataStart, c.dataStart], n);
        if (view.shape[1] === 0 || view.shape[2] === 0) continue;
        accumulateCorrelation(acc, rfftn(view, [1, 2], sizes, plans), K);
      }
      const y = irfftn(acc, [0, 1], sizes, [r.crop, c.crop], plans);
      if (out === undefined) return y;
      // Place the block's outputs; a copy of O(outputs), small next to the transforms.
      for (let i = 0; i < r.crop.length; i++) {
        out.set(y.data.subarray(i * c.crop.length, (i + 1) * c.crop.length), (r.first + i) * outW + c.first);
      }
    }
  }
  return ndarray(out ?? new Float64Array(outH * outW), [outH, outW]);
}
