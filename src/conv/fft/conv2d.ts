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
 * - The transforms run in the transposed half-spectrum engine
 *   (`src/fft/plane.ts`): two real rows per complex fft.js transform, their
 *   half spectra written column-major so every column pass hands fft.js a
 *   contiguous column; per column, one pass does the data's column transform,
 *   the product with the kernel (summed over channels and phases) and, on the
 *   last term, the inverse column transform; the inverse row pass packs two
 *   real output rows per transform and writes only the kept samples.
 * - Transform lengths: a valid correlation needs a circular length of only the
 *   input length (wrap-around lands on outputs valid mode drops), rounded up to
 *   a power of two for fft.js: 256 stays 256 instead of the 512 that padding
 *   to the full length 256 + 9 - 1 needs.
 * - Stride: polyphase decomposition (see `split.ts`). x and k are split
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
 * - Both cores: every pass is a job over a plain index range (rows of a
 *   plane, bins, output rows) with its own scratch, writing a disjoint part of
 *   its output, and blocks write disjoint output rectangles; results do not
 *   depend on the split. Above a measured size (`runner.ts`) the passes run on
 *   the GEMM's worker pool (`src/fft/threaded.ts`): one block's passes split by
 *   rows and bins, or whole blocks per thread when there are enough; x and the
 *   kernel are then copied once into the shared wasm memory and the result
 *   copied out of it. Results are bitwise identical for any thread count.
 */
import type { NdArray } from "ndarray";
import ndarray from "ndarray";
import { displayable } from "../../display_hook";
import type { Tensor } from "../../types";
import { FFTPlans } from "../../fft/plan";
import { RealView } from "../../fft/layout";
import { JobRange, KernelColumns, PlaneSize, planeBins } from "../../fft/plane";
import { BlockTerm, LocalRunner, PlaneBlock, PlaneRunner, SharedMemoryFull } from "../../fft/threaded";
import { WorkerFailure } from "../../compile/threads/job";
import { blockOutputs } from "./split";
import { Conv2dFFTPlan, Conv2dFFTPlanOptions, planConv2dFFT } from "./plan";
import { FFTThreadOptions, choosePlaneRunner, planWorkSize } from "./runner";

/** Options of {@link conv2dFFT}. */
export interface Conv2dFFTOptions extends Conv2dFFTPlanOptions, FFTThreadOptions {
  /** FFT cache to reuse across calls; a fresh one per call otherwise. */
  plans?: FFTPlans;
}

/**
 * Sum over depth of (h, w, c) data: a 2-D kernel applied to every channel
 * gives sum_c corr(x_c, k) = corr(sum_c x_c, k), so one summed plane (a copy
 * of h*w values) replaces c transforms.
 */
function sumDepth(x: Tensor): NdArray<Float64Array> {
  const [h, w, c] = x.shape;
  const [s0, s1, s2] = x.stride;
  const out = new Float64Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let acc = 0;
      for (let k = 0, p = x.offset + i * s0 + j * s1; k < c; k++, p += s2) acc += x.data[p];
      out[i * w + j] = acc;
    }
  }
  return displayable(ndarray(out, [h, w]));
}

/** Channel-first (c, h, w) view of a (h, w) or (h, w, c) array: zero-copy, strides permuted. */
function channelFirst(x: Tensor): RealView {
  const [s0, s1, s2] = x.stride;
  if (x.shape.length === 2) return { data: x.data, shape: [1, x.shape[0], x.shape[1]], stride: [0, s0, s1], offset: x.offset };
  return { data: x.data, shape: [x.shape[2], x.shape[0], x.shape[1]], stride: [s2, s0, s1], offset: x.offset };
}

/** Channel c of a channel-first (c, h, w) view, as a 2-D (h, w) view: zero-copy. */
function channel(v: RealView, c: number): RealView {
  return { data: v.data, shape: [v.shape[1], v.shape[2]], stride: [v.stride[1], v.stride[2]], offset: v.offset + c * v.stride[0] };
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
 * depth-repeated kernel; computed by summing the depth first, a copy). Inputs may be any strided views (transposed,
 * stepped, offset); nothing is copied except into transform buffers. Padding
 * and "same"/"full" modes are the caller's job: pad x first. Returns a new
 * contiguous float64 array of shape
 * (outHeight, outWidth) of the valid geometry (src/geometry.ts). Above
 * `FFT_THREAD_MIN` (runner.ts) transformed samples the passes run on the worker pool
 * (`threads`, default getThreads()); x and the kernel are then copied once into
 * shared memory.
 *
 * @example
 * // the 7x7 / 3x3 / stride-2 worked example -> [[91, 100, 88], [69, 91, 117], [44, 72, 74]] (to rounding)
 * const y = conv2dFFT(x7, k3, { stride: [2, 2] });
 * // large planes run on getThreads() threads (bitwise the same result); force one:
 * const z = conv2dFFT(x256, k9, { stride: [1, 1], threads: 1 });
 */
export function conv2dFFT(x: Tensor, kernel: Tensor, opts: Conv2dFFTOptions): NdArray<Float64Array> {
  const plan = planConv2dFFT(x.shape, kernel.shape, opts);
  const plans = opts.plans ?? new FFTPlans();
  const runner = choosePlaneRunner(planWorkSize(plan), plans, opts);
  try {
    return run(x, kernel, plan, plans, runner);
  } catch (err) {
    runner.close();
    // The engine would not grow the shared memory that far: the calling thread needs none.
    // A worker's share failed (its error is on stderr; the pool restarts next time): the
    // output is a fresh array, so the calling thread redoes the whole job (bitwise the same).
    if (!(err instanceof SharedMemoryFull) && !(err instanceof WorkerFailure)) throw err;
    return run(x, kernel, plan, plans, new LocalRunner(plans));
  } finally {
    runner.close(); // the workers wait at the job's first barrier until the runner joins
  }
}

/** {@link conv2dFFT} of a plan, its passes on `runner`. */
function run(x: Tensor, kernel: Tensor, plan: Conv2dFFTPlan, plans: FFTPlans, runner: PlaneRunner): NdArray<Float64Array> {
  const { rows, cols } = plan;
  const n: [number, number] = [rows.size, cols.size];
  const size: PlaneSize = { n0: rows.size, n1: cols.size };
  const bins = planeBins(size);
  const f: [number, number] = [rows.factor, cols.factor];
  // Threaded: every buffer below lives in the shared memory, x and the kernel copied in once.
  const spectrum = (s: PlaneSize) => runner.alloc(2 * planeBins(s) * s.n0);
  const xv = runner.input(channelFirst(x.shape.length === 3 && kernel.shape.length === 2 ? sumDepth(x) : x));
  const kv = runner.input(channelFirst(kernel));
  const channels = xv.shape[0];
  const allBins: JobRange = { start: 0, end: bins };
  // The inverse's 1 / (n0 * n1), folded into the kernel spectra.
  const scale = 1 / (rows.size * cols.size);
  // Kernel terms: one per (live phase pair, channel). Their row spectra always;
  // the 2-D spectrum only when several blocks reuse it (else it is formed per column, once).
  const reused = rows.blocks * cols.blocks > 1;
  const phases: Array<{ p: [number, number]; K: KernelColumns[] }> = [];
  for (let p0 = 0; p0 < rows.livePhases; p0++) {
    for (let p1 = 0; p1 < cols.livePhases; p1++) {
      const kb = phaseBlock(kv, [p0, p1], f, [0, 0], n);
      const height = kb.shape[1];
      const K = Array.from({ length: channels }, (_, c): KernelColumns => {
        if (!reused) {
          // Compact row spectra (the kernel's rows only), padded per column when used.
          const compact = { n0: height, n1: size.n1 };
          const spec = spectrum(compact);
          runner.rows(channel(kb, c), compact, spec, { start: 0, end: height });
          return { rows: spec, height, scale };
        }
        const spec = spectrum(size);
        runner.rows(channel(kb, c), size, spec, { start: 0, end: height });
        runner.columns(spec, size, allBins, scale);
        return { spectrum: spec };
      });
      phases.push({ p: [p0, p1], K });
    }
  }
  const [outH, outW] = plan.outShape;
  const out = runner.alloc(outH * outW);
  const blocks: PlaneBlock[] = [];
  for (let b0 = 0; b0 < rows.blocks; b0++) {
    const r = blockOutputs(rows, b0);
    for (let b1 = 0; b1 < cols.blocks; b1++) {
      const c = blockOutputs(cols, b1);
      if (r.crop.length === 0 || c.crop.length === 0) continue;
      // The (phase pair, channel) terms of this block; empty phase blocks add nothing.
      const terms: BlockTerm[] = [];
      for (const { p, K } of phases) {
        const view = phaseBlock(xv, p, f, [r.dataStart, c.dataStart], n);
        if (view.shape[1] === 0 || view.shape[2] === 0) continue;
        for (let ch = 0; ch < channels; ch++) terms.push({ view: channel(view, ch), kernel: K[ch] });
      }
      if (terms.length === 0) continue; // no data under these outputs: they stay zero
      blocks.push({ terms, rowCrop: r.crop, target: { data: out, offset: r.first * outW + c.first, rowStride: outW, crop: c.crop } });
    }
  }
  // With one term per block the product sum may overwrite the row spectra it is made of.
  runner.blocks(blocks, size, phases.length * channels === 1);
  return displayable(ndarray(runner.result(out), [outH, outW]));
}
