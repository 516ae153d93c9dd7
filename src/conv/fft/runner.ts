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
 * Transform planes (n0 · n1 samples) below which every pass stays on the calling
 * thread. Measured (flock'ed, loaded 2-core VM, bench/fft_threads.ts, grid-1 shapes,
 * median ms of 1 thread vs 2): see the table in that script's header; the
 * hand-off (one wake-up and one barrier per pass, three passes or more per block)
 * costs some 0.05–0.1 ms, more than the passes of a 64 × 64 plane.
 */
export const FFT_THREAD_MIN = 128 * 128;

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
