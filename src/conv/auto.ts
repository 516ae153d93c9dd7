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
 * - `strided   = perMac*macs + perOutput*outputs + perDataElement*dataElements + perCall`
 *   (one dot product of length `kh*kw*c` per output through the window view, after the
 *   GEMM stages the data the view reaches into wasm memory);
 * - `fft       = perModelNs*fftSerialModelNs + perThreadedModelNs*fftThreadedModelNs + perCall`:
 *   the modelled time of the plan `conv2dFFT` will really run (its polyphase split and
 *   overlap-save blocks, chosen by `planConv2dFFT`), from the one FFT cost model in
 *   `conv/fft/cost.ts`, counted under the first feature when its passes stay on the calling
 *   thread and under the second when they are split over the worker threads (the
 *   runner's own cut-over rule, `splitsPasses`, at the current thread count): the model
 *   counts work, and two threads do the same work in about 0.7x the time;
 *   `perCall` adds what `convolve` does around it (padding copy, kernel dilation,
 *   fresh transform tables).
 * Being linear in the constants, the model can be refitted by least squares
 * from timings (bench/), then passed in or used to replace {@link DEFAULT_CONV_COSTS}.
 */
import { BoundedMemo } from "../memo";
import { ConvInfo } from "./info";
import { fftWorkCost } from "./fft/cost";
import { planConv2dFFT } from "./fft/plan";
import { FFTWorkSize, planWorkSize, splitsPasses } from "./fft/runner";
import { getThreads } from "../compile/threads/settings";
import { loadedTuning } from "../tuning_file";

/** The concrete methods `convolve` can run. */
export type ConvMethodName = "fft" | "submatrix" | "strided";

/** All concrete methods, in the order ties are broken. */
export const CONV_METHODS: readonly ConvMethodName[] = Object.freeze(["fft", "submatrix", "strided"] as const);

/** Fitted constants of the cost model, in nanoseconds per unit of work. */
export interface ConvCostConstants {
  /**
   * `perModelNs` scales the FFT cost model's time of a plan run on the calling thread
   * (1 = trust it as is), `perThreadedModelNs` of a plan whose passes are split over the
   * worker threads (absent = perModelNs: constants fitted before threads); `perCall` is
   * convolve's overhead around conv2dFFT.
   */
  fft: { perModelNs: number; perThreadedModelNs?: number; perCall: number };
  submatrix: {
    perMac: number;
    perSlabElement: number;
    perTap: number;
    /** Per cache line missed by sparse passes over large data (absent = 0: constants fitted before this term). */
    perSpilledLine?: number;
    perCall: number;
  };
  strided: {
    perMac: number;
    perOutput: number;
    /** Per element of the (padded) data: the GEMM's staging copy of the window view's range (absent = 0: fitted before it). */
    perDataElement?: number;
    perCall: number;
  };
}

/**
 * The shipped constants, what `auto` uses on a machine that never ran `npx einconv calibrate`
 * (see {@link machineConvCosts}). Fitted on the project's machine (2 × Intel Xeon VM, Node 20, einconv at its
 * default 2 threads) by `npm run bench:all` (its `bench:auto` step, bench/auto_fresh.ts):
 * bench/fit_auto.ts fits each method by non-negative least squares on relative error,
 * then a multi-start search minimises the worst "chosen / fastest" ratio per grid, on the
 * medians of two timing runs of the blog's three grids (bench/results/fit_runs/), and the
 * constants are judged on a third, fresh run the fit never saw
 * (bench/results/auto_eval.json, 2026-12-03 06:45): worst "chosen / fastest" 1.00x /
 * 1.00x / 1.26x for grids 1 / 2 / 3 (grid 3 n = 128, f = 5: strided chosen at 0.127 ms where
 * sub-matrix took 0.101). Sub-matrix and strided are within 25% of each other on the small
 * grid-3 cells and trade places from run to run, so the grid-3 worst case moved between
 * 1.11x and 1.26x over the day's last three fits (1.00x on grids 1 and 2 each time).
 * Earlier fits the same day, with one FFT constant for threaded and one-thread plans: 1.32x
 * on grid 1 (a threaded FFT priced as a serial one).
 *
 * The constants themselves move a lot between fits on different runs (sub-matrix perMac
 * 0.21-1.76 ns with perTap 27-634 ns trading against it; fft perModelNs 0.25-0.96): two
 * runs of the grids constrain the choices, not each work count's price. Refit with the benchmark on
 * another machine or after engine changes.
 */
export const DEFAULT_CONV_COSTS: Readonly<ConvCostConstants> = Object.freeze({
  fft: Object.freeze({ perModelNs: 0.251, perThreadedModelNs: 0.497, perCall: 90300 }),
  submatrix: Object.freeze({ perMac: 0.213, perSlabElement: 0.991, perTap: 634, perSpilledLine: 0.428, perCall: 17100 }),
  strided: Object.freeze({ perMac: 0.144, perOutput: 8.34, perCall: 24100, perDataElement: 0.0937 }),
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
  /** Modelled time (ns) of conv2dFFT's own plan, from the one FFT cost model (`conv/fft/cost.ts`). */
  fftModelNs: number;
  /** {@link fftModelNs} when the plan's passes run on the calling thread alone, else 0. */
  fftSerialModelNs: number;
  /** {@link fftModelNs} when the plan's passes are split over the worker threads (`splitsPasses` at the thread count), else 0. */
  fftThreadedModelNs: number;
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
  /** Elements of the padded data, `paddedHeight*paddedWidth*c`: what the strided method's GEMM stages (copies into wasm memory). */
  dataElements: number;
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

/**
 * Modelled time (ns) of the FFT plan conv2dFFT runs for this convolution: the padded
 * data and dilated kernel (what `convolve` hands over) planned by `planConv2dFFT`.
 */
function fftModel(info: ConvInfo): FFTModel {
  const key = [info.paddedHeight, info.paddedWidth, info.dataRank, info.inChannels, info.effectiveKernelHeight, info.effectiveKernelWidth, info.kernelRank, info.strideHeight, info.strideWidth].join(",");
  return fftModels.get(key, () => planFFTModel(info));
}

/** The modelled time of a shape's FFT plan and its transform work (for the thread cut-over). */
interface FFTModel {
  readonly ns: number;
  readonly work: FFTWorkSize;
}

/**
 * fftModelNs by shape: planning searches many FFT plans (10-20 µs), as long as a whole
 * small direct convolution, so `auto` on a repeated shape must not redo it.
 */
const fftModels = new BoundedMemo<FFTModel>(256);

function planFFTModel(info: ConvInfo): FFTModel {
  const depth = info.dataRank === 3 ? [info.inChannels] : [];
  const kernelDepth = info.kernelRank === 3 ? [info.inChannels] : [];
  const plan = planConv2dFFT(
    [info.paddedHeight, info.paddedWidth, ...depth],
    [info.effectiveKernelHeight, info.effectiveKernelWidth, ...kernelDepth],
    { stride: [info.strideHeight, info.strideWidth] },
  );
  return { ns: fftWorkCost(plan.work), work: planWorkSize(plan) };
}

/**
 * The work counts of {@link ConvCostFeatures} for one convolution (pure), for `threads`
 * threads (default: the current setting, {@link getThreads}).
 *
 * @example
 * convCostFeatures(convInfo([10, 10], [3, 3])).macs; // 8*8*3*3 = 576
 * convCostFeatures(convInfo([256, 256], [9, 9]), 1).fftThreadedModelNs; // 0: one thread
 */
export function convCostFeatures(info: ConvInfo, threads: number = getThreads()): ConvCostFeatures {
  const fft = fftModel(info);
  const threaded = splitsPasses(fft.work, threads);
  const c = info.inChannels;
  const outputs = info.outHeight * info.outWidth;
  const taps = info.kernelHeight * info.kernelWidth;
  return {
    macs: outputs * taps * c,
    outputs,
    taps,
    slabElements: taps * outputs,
    spilledLines: spilledLines(info, taps, outputs),
    dataElements: info.paddedHeight * info.paddedWidth * c,
    fftModelNs: fft.ns,
    fftSerialModelNs: threaded ? 0 : fft.ns,
    fftThreadedModelNs: threaded ? fft.ns : 0,
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
export function estimateConvCosts(info: ConvInfo, constants: ConvCostConstants = DEFAULT_CONV_COSTS, threads: number = getThreads()): ConvCostEstimates {
  const f = convCostFeatures(info, threads);
  const { fft, submatrix, strided } = constants;
  return {
    fft: fft.perModelNs * f.fftSerialModelNs + (fft.perThreadedModelNs ?? fft.perModelNs) * f.fftThreadedModelNs + fft.perCall,
    submatrix:
      submatrix.perMac * f.macs +
      submatrix.perSlabElement * f.slabElements +
      submatrix.perTap * f.taps +
      (submatrix.perSpilledLine ?? 0) * f.spilledLines +
      submatrix.perCall,
    strided: strided.perMac * f.macs + strided.perOutput * f.outputs + (strided.perDataElement ?? 0) * f.dataElements + strided.perCall,
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
export function chooseConvMethod(info: ConvInfo, constants: ConvCostConstants = DEFAULT_CONV_COSTS, threads: number = getThreads()): ConvMethodChoice {
  const estimates = estimateConvCosts(info, constants, threads);
  let method: ConvMethodName = CONV_METHODS[0];
  for (const m of CONV_METHODS) if (estimates[m] < estimates[method]) method = m;
  return { method, estimates };
}

/** The constants `convolve`'s "auto" uses when none are given, and where they come from. */
export interface MachineConvCosts {
  readonly costs: Readonly<ConvCostConstants>;
  /** "calibrated": this machine's tuning file (`npx einconv calibrate`); "defaults": {@link DEFAULT_CONV_COSTS}. */
  readonly source: "calibrated" | "defaults";
  /** The tuning file looked for. */
  readonly file: string;
  /** One line for reports: which constants and why. */
  readonly note: string;
}

/**
 * The cost constants of this machine: those `npx einconv calibrate` fitted here and wrote
 * to the tuning file (src/tuning_file.ts: `$XDG_CACHE_HOME/einconv/conv-costs.json`), read
 * once per process; else the shipped {@link DEFAULT_CONV_COSTS}, fitted on one Intel Xeon.
 * Using the defaults is silent (notebooks stay quiet); `explainConv` reports the note.
 * A bad file warns once on stderr and the defaults apply.
 */
export function machineConvCosts(): MachineConvCosts {
  const t = loadedTuning();
  if (t.record) return { costs: t.record.costs, source: "calibrated", file: t.file, note: `calibrated on this machine (${t.file}, ${t.record.created})` };
  return {
    costs: DEFAULT_CONV_COSTS,
    source: "defaults",
    file: t.file,
    note: `shipped defaults fitted on one Intel Xeon (${t.reason === "no file" ? `no ${t.file}` : t.reason}); run \`npx einconv calibrate\` to fit this machine`,
  };
}
