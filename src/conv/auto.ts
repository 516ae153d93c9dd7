/**
 * Choosing a convolution method from a cost model, after scipy's
 * `choose_conv_method`: count the work each method does for a given
 * {@link ConvInfo}, weigh the counts with constants fitted by timing on this
 * kind of machine, and take the cheapest.
 *
 * Every method's estimated time (nanoseconds) is linear in a few work counts:
 * - `submatrix = perMac*macs + perSlabElement*slabElements + perTap*taps + perCall`
 *   (one pass over a slab of `outputs` elements per tap, `c` multiply-adds each);
 * - `strided   = perMac*macs + perOutput*outputs + perCall`
 *   (one dot product of length `kh*kw*c` per output through the window view);
 * - `fft       = perButterfly*butterflies + perSpectrumMac*spectrumMacs + perPoint*points + perCall`
 *   (conv2dFFT's work: real transforms of the padded data and kernel channels on
 *   power-of-two grids, products accumulated over channels in the frequency
 *   domain, one inverse; with a stride, polyphase components on smaller grids).
 * Being linear in the constants, the model can be refitted by least squares
 * from timings (bench/), then passed in or used to replace {@link DEFAULT_CONV_COSTS}.
 */
import { ConvInfo } from "./info";

/** The concrete methods `convolve` can run. */
export type ConvMethodName = "fft" | "submatrix" | "strided";

/** All concrete methods, in the order ties are broken. */
export const CONV_METHODS: readonly ConvMethodName[] = Object.freeze(["fft", "submatrix", "strided"] as const);

/** Fitted constants of the cost model, in nanoseconds per unit of work. */
export interface ConvCostConstants {
  fft: { perButterfly: number; perSpectrumMac: number; perPoint: number; perCall: number };
  submatrix: { perMac: number; perSlabElement: number; perTap: number; perCall: number };
  strided: { perMac: number; perOutput: number; perCall: number };
}

/**
 * Constants fitted on this project's machine (2 cores, Node 20, wasm SIMD backend)
 * by `npm run bench:fit` (bench/fit_auto.ts: one non-negative least-squares fit
 * per method on relative error, medians of four timing runs of the blog's three
 * grids in bench/results/fit_runs/ plus the full grid). With them `auto` was within
 * 1.20x / 1.11x / 1.21x of the fastest method on the three default grids in a run
 * not used for the fit, but up to 1.46x on the full grid (n up to 512), where the
 * sub-matrix method's cache misses on large 3-D data are not in the linear model.
 * Refit with the benchmark on another machine or after engine changes.
 */
export const DEFAULT_CONV_COSTS: Readonly<ConvCostConstants> = Object.freeze({
  fft: Object.freeze({ perButterfly: 5.05, perSpectrumMac: 24, perPoint: 0.001, perCall: 68700 }),
  submatrix: Object.freeze({ perMac: 3.35, perSlabElement: 0.0911, perTap: 104, perCall: 475 }),
  strided: Object.freeze({ perMac: 2.81, perOutput: 39.2, perCall: 84000 }),
});

/** Work counts the cost model weighs (see the module comment). */
export interface ConvCostFeatures {
  /** Multiply-adds of a direct method: `oh*ow*kh*kw*c`. */
  macs: number;
  /** Output elements `oh*ow`. */
  outputs: number;
  /** Kernel taps `kh*kw` (sub-matrix passes). */
  taps: number;
  /** Output elements written by all sub-matrix passes: `taps*outputs` (an upper bound when padding clips slabs). */
  slabElements: number;
  /** Sum of `n log2 n` over the FFT's 1-D transforms (real ones weighted 0.6), all polyphase components. */
  butterflies: number;
  /** Complex multiply-adds in the frequency domain (channels x half-spectrum bins x live phases). */
  spectrumMacs: number;
  /** Grid points of the data and kernel transforms (copies in and out of the transform buffers). */
  points: number;
}

function pow2AtLeast(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/** `n log2 n`-style work of one complex transform of length n. */
function transformWork(n: number): number {
  return n * Math.log2(n);
}

/**
 * FFT work for one polyphase split (factors fh, fw), following conv2dFFT's
 * algorithm: real transforms along the width of every data/kernel row of each
 * live phase, complex transforms along the height of the half spectrum, products
 * accumulated over channels, one inverse (only the kept rows along the width).
 */
function fftWork(info: ConvInfo, fh: number, fw: number): { butterflies: number; spectrumMacs: number; points: number } {
  const c = info.inChannels;
  const kc = info.kernelRank === 3 ? c : 1;
  const dataRows = Math.ceil(info.paddedHeight / fh);
  const kernelRows = Math.ceil(info.effectiveKernelHeight / fh);
  const n0 = pow2AtLeast(dataRows);
  const n1 = pow2AtLeast(Math.ceil(info.paddedWidth / fw));
  const bins = n1 / 2 + 1;
  const live = Math.min(fh, info.effectiveKernelHeight) * Math.min(fw, info.effectiveKernelWidth);
  const column = bins * transformWork(n0);
  const perPhase = c * (0.6 * dataRows * transformWork(n1) + column) + kc * (0.6 * kernelRows * transformWork(n1) + column);
  const inverse = column + Math.ceil(info.outHeight / 2) * transformWork(n1);
  return {
    butterflies: live * perPhase + inverse,
    spectrumMacs: live * c * n0 * bins,
    points: live * (c + kc) * n0 * n1,
  };
}

/**
 * The work counts of {@link ConvCostFeatures} for one convolution (pure).
 *
 * @example
 * convCostFeatures(convInfo([10, 10], [3, 3])).macs; // 8*8*3*3 = 576
 */
export function convCostFeatures(info: ConvInfo): ConvCostFeatures {
  const c = info.inChannels;
  const outputs = info.outHeight * info.outWidth;
  const taps = info.kernelHeight * info.kernelWidth;
  // conv2dFFT picks its polyphase split itself; model the cheaper of "none" and "full".
  const candidates = [
    fftWork(info, 1, 1),
    fftWork(info, info.strideHeight, 1),
    fftWork(info, 1, info.strideWidth),
    fftWork(info, info.strideHeight, info.strideWidth),
  ];
  const fft = candidates.reduce((a, b) => (b.butterflies + b.spectrumMacs < a.butterflies + a.spectrumMacs ? b : a));
  return {
    macs: outputs * taps * c,
    outputs,
    taps,
    slabElements: taps * outputs,
    ...fft,
  };
}

/** Estimated time in nanoseconds of each method. */
export type ConvCostEstimates = Record<ConvMethodName, number>;

/**
 * Estimated time of every method for one convolution (pure; no timing).
 *
 * @example
 * estimateConvCosts(convInfo([256, 256, 5], [9, 9, 5], { stride: 2 })); // { fft, submatrix, strided } in ns
 */
export function estimateConvCosts(info: ConvInfo, constants: ConvCostConstants = DEFAULT_CONV_COSTS): ConvCostEstimates {
  const f = convCostFeatures(info);
  const { fft, submatrix, strided } = constants;
  return {
    fft: fft.perButterfly * f.butterflies + fft.perSpectrumMac * f.spectrumMacs + fft.perPoint * f.points + fft.perCall,
    submatrix: submatrix.perMac * f.macs + submatrix.perSlabElement * f.slabElements + submatrix.perTap * f.taps + submatrix.perCall,
    strided: strided.perMac * f.macs + strided.perOutput * f.outputs + strided.perCall,
  };
}

/** The method `auto` runs and the estimates it compared. */
export interface ConvMethodChoice {
  method: ConvMethodName;
  estimates: ConvCostEstimates;
}

/**
 * Picks the method with the smallest estimated time (ties go to the earlier
 * entry of {@link CONV_METHODS}). A pure function of the shapes and constants.
 *
 * @example
 * chooseConvMethod(convInfo([256, 256], [3, 3])).method;          // "submatrix" for tiny kernels
 * chooseConvMethod(convInfo([256, 256], [3, 3]), myFitted).estimates; // ns per method
 */
export function chooseConvMethod(info: ConvInfo, constants: ConvCostConstants = DEFAULT_CONV_COSTS): ConvMethodChoice {
  const estimates = estimateConvCosts(info, constants);
  let method: ConvMethodName = CONV_METHODS[0];
  for (const m of CONV_METHODS) if (estimates[m] < estimates[method]) method = m;
  return { method, estimates };
}
