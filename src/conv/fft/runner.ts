/**
 * Which {@link PlaneRunner} a 2-D FFT convolution uses: the pool of the default
 * backend's wasm kernel (the GEMM's workers; src/fft/threaded.ts) for planes large
 * enough to repay the hand-off, else the calling thread.
 */
import { defaultBackend } from "../../compile/backend";
import { getThreads } from "../../compile/threads/settings";
import { WasmBackend } from "../../compile/wasm/backend";
import { ConvError } from "../../fft/errors";
import { FFTPlans } from "../../fft/plan";
import { PlaneSize } from "../../fft/plane";
import { LocalRunner, PlaneRunner, ThreadedRunner } from "../../fft/threaded";

/**
 * Transform planes (n0 · n1 samples, one overlap-save block) below which every pass
 * stays on the calling thread: the hand-off (one wake-up of the workers per
 * convolution, 25–45 µs, and a barrier per pass) costs more than half the passes of
 * a small plane. Measured 2026-12-02 under the bench lock on the loaded 2-core VM,
 * `node dist/bench/fft_quick.js cutover F` (cut-over off, min ms, 1 thread → 2):
 *
 *   n    f   plane     1 thr   2 thr   2/1
 *   32   9   32x32     0.066   0.123   1.87
 *   64   9   64x64     0.126   0.166   1.31
 *   96   31  64x64     0.354   0.374   1.06
 *   192  3   32x32     1.108   1.372   1.24   (many small blocks)
 *   128  3   32x128    0.475   0.456   0.96
 *   256  3   32x256    1.559   1.246   0.80
 *   256  9   64x256    1.695   1.390   0.82
 *   128  9   128x128   0.475   0.405   0.85
 *   256  31  256x256   1.788   1.284   0.72
 *
 * so planes of 8192 samples and more are split.
 */
export const FFT_THREAD_MIN = 8192;

/** Thread options of conv2dFFT (tests and benchmarks force them). */
export interface FFTThreadOptions {
  /** Threads for the passes (default {@link getThreads}; 1 = the calling thread alone). */
  readonly threads?: number;
  /** Plane size (n0 · n1) from which the passes are split (default {@link FFT_THREAD_MIN}). */
  readonly threadMin?: number;
}

/** The runner for one convolution of transform size `size` (see {@link FFT_THREAD_MIN}). */
export function choosePlaneRunner(size: PlaneSize, plans: FFTPlans, options: FFTThreadOptions): PlaneRunner {
  const want = options.threads ?? getThreads();
  if (!Number.isInteger(want) || want < 1) throw new ConvError(`conv2dFFT: threads must be a positive integer (got ${String(want)})`);
  const local = new LocalRunner(plans);
  if (want === 1 || size.n0 * size.n1 < (options.threadMin ?? FFT_THREAD_MIN)) return local;
  const backend = defaultBackend();
  const kernel = backend instanceof WasmBackend ? backend.wasmKernel : undefined;
  if (kernel === undefined) return local; // no wasm kernel, no shared memory and no pool
  const threads = kernel.threadPool.ensure(want);
  return threads > 1 ? new ThreadedRunner(kernel, threads, plans) : local;
}
