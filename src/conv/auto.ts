/**
 * Choosing a convolution method from a cost model, after scipy's
 * `choose_conv_method`: count the work each method does for a given
 * {@link ConvInfo}, weigh the counts with constants fitted by timing on this
 * kind of machine, and take the cheapest.
 *
 * Every method's estimated time (nanoseconds) is linear in a few work counts:
 * - `submatrix = perMac*macs + perSlabElement*slabElements + perTap*taps + perSpilledLine*spilledLines + perCall`
 *   (one pass over a slab of `outputs` elements per tap, `c` multiply-adds each; plus the
 *   cache misses of passes that gather sparse lines from data larger than the cache,
 *   see {@link ConvCostFeatures.spilledLines});
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
  submatrix: {
    perMac: number;
    perSlabElement: number;
    perTap: number;
    /** Per cache line missed by sparse passes over large data (absent = 0: constants fitted before this term). */
    perSpilledLine?: number;
    perCall: number;
  };
  strided: { perMac: number; perOutput: number; perCall: number };
}

/**
 * Constants fitted on this project's machine (2 cores, Node 20, AMD EPYC) by
 * `npm run bench:fit` (bench/fit_auto.ts: one non-negative least-squares fit per
 * method on relative error, then a multi-start search minimising the worst
 * "chosen / fastest" ratio per grid; medians of four timing runs of the blog's three
 * grids in bench/results/fit_runs/ plus the full grid, n up to 512).
 * Worst ratio of `auto`'s choice over the fastest method, grids 1 / 2 / 3:
 * - on those median timings: 1.00x / 1.19x / 1.08x (1.42x / 1.32x / 1.46x before the
 *   `spilledLines` term and the multi-start search);
 * - on the full-grid run alone: 1.00x / 1.19x / 1.39x (the 1.39x is a one-run hiccup:
 *   a 0.08 ms sub-matrix call timed at 0.14 ms);
 * - on a fresh default-grid run not used for the fit (load average 1.6-2): 1.00x / 1.00x
 *   / 1.26x (grid 3, n=128 f=31: fft and sub-matrix within 8% of each other, fft's time
 *   varying 7.7-10.2 ms from run to run).
 * Refit with the benchmark on another machine or after engine changes.
 */
export const DEFAULT_CONV_COSTS: Readonly<ConvCostConstants> = Object.freeze({
  fft: Object.freeze({ perButterfly: 2.9, perSpectrumMac: 0.203, perPoint: 0.00073, perCall: 77600 }),
  submatrix: Object.freeze({ perMac: 1.4, perSlabElement: 0.937, perTap: 200, perSpilledLine: 10.7, perCall: 1050 }),
  strided: Object.freeze({ perMac: 2.44, perOutput: 97.5, perCall: 29400 }),
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
  /**
   * Cache lines the sub-matrix passes fetch from memory rather than cache:
   * `taps * outputs * linesPerOutput * spill`. Each pass reads `c` contiguous values
   * per output (`1 + 8c/64` lines on average); when the stride leaves whole untouched
   * lines between outputs (`(stride_w - 1)*8c >= 64` bytes) the hardware prefetcher
   * cannot stream them, and once the data outgrows the cache every pass misses again:
   * `spill = max(0, 1 - SPILL_CACHE_BYTES/dataBytes)`, 0 for dense (sequential) passes.
   * Measured: depth 10 stride 5 from n = 384 (11.5 MB) runs 2-3x slower than the
   * linear counts predict, while depth 5 stride 2 (dense) at 10 MB does not.
   */
  spilledLines: number;
}

/**
 * Bytes of data the sub-matrix passes can re-read from cache (about this machine's
 * L2 plus some last-level cache). Not fitted, since the model must stay linear in its
 * constants: 1 and 2 MiB fitted equally well on the recorded grids, 4 MiB ranked worse
 * in single runs (grid 3 at n = 256, 5 MB, shows little penalty, 11.5 MB a large one).
 */
export const SPILL_CACHE_BYTES = 2 * 1024 * 1024;

/** Bytes per cache line, and per element (the model assumes float64 data). */
const LINE_BYTES = 64;
const ELEMENT_BYTES = 8;

/** {@link ConvCostFeatures.spilledLines} for one convolution. */
function spilledLines(info: ConvInfo, taps: number, outputs: number): number {
  const vectorBytes = ELEMENT_BYTES * info.inChannels;
  const gapBytes = (info.strideWidth - 1) * vectorBytes; // skipped between consecutive outputs
  if (gapBytes < LINE_BYTES) return 0; // dense pass: prefetched as a stream
  const dataBytes = info.inHeight * info.inWidth * vectorBytes;
  const spill = Math.max(0, 1 - SPILL_CACHE_BYTES / dataBytes);
  return taps * outputs * (1 + vectorBytes / LINE_BYTES) * spill;
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
    spilledLines: spilledLines(info, taps, outputs),
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
    submatrix:
      submatrix.perMac * f.macs +
      submatrix.perSlabElement * f.slabElements +
      submatrix.perTap * f.taps +
      (submatrix.perSpilledLine ?? 0) * f.spilledLines +
      submatrix.perCall,
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
