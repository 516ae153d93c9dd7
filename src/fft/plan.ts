/**
 * Cached fft.js instances (one per size) plus per-size scratch buffers.
 *
 * There is no module-level cache: every public entry point takes an optional
 * `plans` object and otherwise creates its own for the duration of the call.
 * Building an fft.js instance costs O(n) (twiddle table and bit reversal), tiny
 * next to the transforms of one convolution, so a per-call cache loses little
 * and keeps the library free of hidden global state. Callers running many
 * convolutions of the same size can create one `FFTPlans` and pass it along.
 */
import { ConvError } from "./errors";
import { isFFTSize } from "./sizes";

/** The part of fft.js's API used here (the package ships no typings). */
interface FFTInstance {
  readonly size: number;
  /** Real input of length n -> bins 0..n/2 in out[0..n+1] (the rest of out is scratch). */
  realTransform(out: Float64Array, data: Float64Array): void;
  /** Complex interleaved input of length 2n -> forward DFT. */
  transform(out: Float64Array, data: Float64Array): void;
  /** Complex interleaved inverse DFT, already divided by n. */
  inverseTransform(out: Float64Array, data: Float64Array): void;
}
type FFTConstructor = new (size: number) => FFTInstance;

// CommonJS package without declarations: typed through the interface above.
const FFT: FFTConstructor = require("fft.js");

/**
 * One size's transform plus reusable scratch lines for a block of `block`
 * lines at a time: gathering several neighbouring lines together reads each
 * cache line of a strided array once instead of once per line.
 */
export interface Plan {
  readonly n: number;
  readonly fft: FFTInstance;
  /** Lines per block (fewer for long lines, to bound the scratch memory). */
  readonly block: number;
  /**
   * Scratch blocks: line b of a block lives at [b*n, (b+1)*n) of `real` and at
   * [b*2n, (b+1)*2n) of `input`/`output`; the `*Lines` arrays are the same
   * memory as per-line views, for fft.js calls. Gathers and scatters index the
   * flat arrays directly (one typed array, fast element access).
   */
  readonly real: Float64Array;
  readonly input: Float64Array;
  readonly output: Float64Array;
  readonly realLines: readonly Float64Array[];
  readonly inputLines: readonly Float64Array[];
  readonly outputLines: readonly Float64Array[];
}

/** Scratch budget per plan, in doubles per buffer kind (block * n <= this). */
const BLOCK_DOUBLES = 1 << 14;
const MAX_BLOCK = 4;

function lines(buffer: Float64Array, count: number): Float64Array[] {
  const length = buffer.length / count;
  return Array.from({ length: count }, (_, i) => buffer.subarray(i * length, (i + 1) * length));
}

/**
 * Per-size cache of fft.js instances and scratch buffers.
 *
 * Scratch buffers are shared by every pass of a given size; that is safe
 * because each pass fills, transforms and drains its block before the next
 * block (or pass) starts, and nothing here is asynchronous.
 *
 * @example
 * const plans = new FFTPlans();
 * const p = plans.get(256); // built once, reused by later get(256)
 */
export class FFTPlans {
  private readonly bySize = new Map<number, Plan>();

  /** The plan for size n (a power of two >= 2). */
  get(n: number): Plan {
    let plan = this.bySize.get(n);
    if (plan === undefined) {
      if (!isFFTSize(n)) throw new ConvError(`FFT size must be a power of two >= 2, got ${n}`);
      const block = Math.max(1, Math.min(MAX_BLOCK, Math.floor(BLOCK_DOUBLES / n)));
      const real = new Float64Array(block * n);
      const input = new Float64Array(block * 2 * n);
      const output = new Float64Array(block * 2 * n);
      plan = {
        n,
        fft: new FFT(n),
        block,
        real,
        input,
        output,
        realLines: lines(real, block),
        inputLines: lines(input, block),
        outputLines: lines(output, block),
      };
      this.bySize.set(n, plan);
    }
    return plan;
  }

  /** Number of sizes built so far (for tests and diagnostics). */
  get size(): number {
    return this.bySize.size;
  }
}
