/**
 * Which {@link PlaneRunner} a 2-D FFT convolution uses: the pool of the default
 * backend's wasm kernel (the GEMM's workers; src/fft/threaded.ts) for planes large
 * enough to repay the hand-off, else the calling thread.
 */
import { defaultBackend } from "../../compile/backend";
import { getThreads } from "../../compile/threads/settings";
import { WasmBackend } from "../../compile/wasm/backend";
import { ConvError } from "../../fft/errors";
import type { Conv2dFFTPlan } from "./plan";
import { FFTPlans } from "../../fft/plan";
import { PlaneSize } from "../../fft/plane";
import { LocalRunner, PlaneRunner, ThreadedRunner } from "../../fft/threaded";
import { threadCutover } from "../../tuning_file";

/**
 * Transformed samples of one convolution (n0 · n1 per block and term: see
 * {@link FFTWorkSize}) below which every pass stays on the calling thread: the
 * hand-off (one wake-up of the workers per convolution, 25–45 µs, and a barrier per
 * pass) costs more than half the passes of a small problem. Measured 2026-12-02 under
 * the bench lock on the loaded 2-core VM, `node dist/bench/fft_quick.js cutover F`
 * (grid 1 shapes, cut-over off, min ms, 1 thread → 2 threads):
 *
 *   n    f   n0 x n1 x blocks   1 thr   2 thr   2/1
 *   32   9   32x32x1            0.067   0.129   1.94
 *   48   3   32x64x2            0.134   0.185   1.38
 *   64   9   64x64x1            0.126   0.160   1.28
 *   96   9   64x64x4            0.330   0.256   0.78
 *   128  3   32x128x5           0.483   0.380   0.79
 *   128  9   128x128x1          0.473   0.425   0.90
 *   192  9   64x64x16           1.192   0.798   0.67
 *   192  31  128x128x4          1.466   0.924   0.63
 *   256  3   32x256x9           1.616   1.138   0.70
 *   256  9   64x256x5           1.734   1.249   0.72
 *   256  31  256x256x1          1.793   1.353   0.75
 *
 * so from 16384 samples (a 128 × 128 plane, or 4 blocks of 64 × 64) the passes are split.
 * `npx einconv calibrate` measures this machine's cut-over and stores it in the tuning
 * file (src/tuning_file.ts), which then replaces this constant.
 */
export const FFT_THREAD_MIN = 16384;

/** The size of one convolution's transform work, for the cut-over. */
export interface FFTWorkSize {
  readonly size: PlaneSize;
  /** Overlap-save blocks (rows.blocks · cols.blocks). */
  readonly blocks: number;
  /** Planes summed per block: live phase pairs × channels. */
  readonly terms: number;
}

/** Thread options of conv2dFFT (tests and benchmarks force them). */
export interface FFTThreadOptions {
  /** Threads for the passes (default {@link getThreads}; 1 = the calling thread alone). */
  readonly threads?: number;
  /** Transformed samples (n0 · n1 · blocks · terms) from which the passes are split (default {@link FFT_THREAD_MIN}). */
  readonly threadMin?: number;
}

/** The transform work of a plan (what the cut-over weighs). */
export function planWorkSize(plan: Conv2dFFTPlan): FFTWorkSize {
  const { rows, cols } = plan;
  return { size: { n0: rows.size, n1: cols.size }, blocks: rows.blocks * cols.blocks, terms: rows.livePhases * cols.livePhases * plan.channels };
}

/**
 * Whether the passes of a convolution of this work are split over `threads` threads
 * (the one home of the cut-over rule: the runner and `auto`'s cost model both ask it).
 * A pool that fails to start still runs them on the calling thread.
 */
export function splitsPasses(work: FFTWorkSize, threads: number, threadMin = threadCutover("fftMinSamples") ?? FFT_THREAD_MIN): boolean {
  return threads > 1 && work.size.n0 * work.size.n1 * work.blocks * work.terms >= threadMin;
}

/** The runner for one convolution (see {@link FFT_THREAD_MIN}). */
export function choosePlaneRunner(work: FFTWorkSize, plans: FFTPlans, options: FFTThreadOptions): PlaneRunner {
  const want = options.threads ?? getThreads();
  if (!Number.isInteger(want) || want < 1) throw new ConvError(`conv2dFFT: threads must be a positive integer (got ${String(want)})`);
  const local = new LocalRunner(plans);
  if (!splitsPasses(work, want, options.threadMin)) return local;
  const backend = defaultBackend();
  const kernel = backend instanceof WasmBackend ? backend.wasmKernel : undefined;
  if (kernel === undefined) return local; // no wasm kernel, no shared memory and no pool
  const threads = kernel.threadPool.ensure(want);
  return threads > 1 ? new ThreadedRunner(kernel, threads, plans) : local;
}
