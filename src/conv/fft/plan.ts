/**
 * Planning of the 2-D strided valid FFT correlation (`conv2d.ts`): which
 * polyphase factor and overlap-save block length each spatial axis uses,
 * chosen by the one FFT cost model (`cost.ts`, also used by `auto`). Pure arithmetic on shapes; no
 * data is touched here.
 */
import { ConvError } from "../../fft/errors";
import { fftSize } from "../../fft/sizes";
import { Conv2dFFTWork, FFTCostWeights, FFT_COST_WEIGHTS, fftWork, fftWorkCost } from "./cost";
import { AxisSplit, splitAxis } from "./split";

export type { Conv2dFFTWork };

/** Options of {@link planConv2dFFT} (and of `conv2dFFT`). */
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
  /** Weights of the cost model the plan minimises; default {@link FFT_COST_WEIGHTS}. */
  weights?: FFTCostWeights;
}

/** The chosen split of both spatial axes, and its modelled cost. */
export interface Conv2dFFTPlan {
  rows: AxisSplit;
  cols: AxisSplit;
  /**
   * Channels transformed: the data's depth with a 3-D kernel; 1 for 2-D data,
   * and for a 2-D kernel on 3-D data (the depth is summed before transforming,
   * since the sum over depth commutes with the correlation).
   */
  channels: number;
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

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Candidate splits of one axis under the options. */
function axisCandidates(
  axis: "height" | "width",
  length: number,
  kernel: number,
  stride: number,
  polyphase: "auto" | boolean,
  sizes: "auto" | "single" | number,
): AxisSplit[] {
  const factors = polyphase === "auto" ? divisors(stride) : [polyphase ? stride : 1];
  const context = { who: "conv2dFFT", axis, hint: "conv2dFFT computes valid correlations only, pad the input first" };
  const out: AxisSplit[] = [];
  for (const f of factors) {
    const single = splitAxis(length, kernel, stride, f, undefined, context);
    if (sizes === "single") out.push(single);
    else if (typeof sizes === "number") out.push(splitAxis(length, kernel, stride, f, sizes, context));
    else {
      // Every power of two from the kernel phase length up to one block.
      for (let n = fftSize(single.phaseKernel); n <= single.size; n *= 2) out.push(splitAxis(length, kernel, stride, f, n, context));
    }
  }
  return out;
}

/** Validates the shapes and returns the number of channels to transform. */
function checkShapes(xShape: readonly number[], kShape: readonly number[], stride: [number, number]): number {
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
  return kr === 3 ? channels : 1;
}

/**
 * Chooses how {@link conv2dFFT} splits the two spatial axes (polyphase factor
 * and overlap-save block length per axis) by minimising the modelled cost,
 * and returns the plan with its cost (usable by a method chooser).
 *
 * @example
 * planConv2dFFT([256, 256, 5], [9, 9, 5], { stride: [1, 1], blockSizes: "single" }).rows.size // 256, not 512
 * planConv2dFFT([300, 300, 5], [9, 9, 5], { stride: [5, 5] }).cols.factor // 5 (polyphase on the width)
 */
export function planConv2dFFT(xShape: readonly number[], kShape: readonly number[], opts: Conv2dFFTPlanOptions): Conv2dFFTPlan {
  const channels = checkShapes(xShape, kShape, opts.stride);
  const polyphase = opts.polyphase ?? "auto";
  const sizes = opts.blockSizes ?? "auto";
  const weights = opts.weights ?? FFT_COST_WEIGHTS;
  const rowCands = axisCandidates("height", xShape[0], kShape[0], opts.stride[0], polyphase, Array.isArray(sizes) ? sizes[0] : sizes);
  const colCands = axisCandidates("width", xShape[1], kShape[1], opts.stride[1], polyphase, Array.isArray(sizes) ? sizes[1] : sizes);
  let best: Conv2dFFTPlan | undefined;
  for (const rows of rowCands) {
    for (const cols of colCands) {
      const work = fftWork(rows, cols, channels);
      const cost = fftWorkCost(work, weights) * 1e-6; // ns -> ms
      if (best === undefined || cost < best.cost) {
        best = { rows, cols, channels, outShape: [rows.outputs, cols.outputs], work, cost };
      }
    }
  }
  return best as Conv2dFFTPlan;
}
