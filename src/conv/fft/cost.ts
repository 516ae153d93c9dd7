/**
 * The one FFT cost model: work counts of a 2-D strided valid FFT correlation
 * (as `conv2dFFT` runs it, with its polyphase split and overlap-save blocks) and
 * their weights. `planConv2dFFT` minimises it over the candidate splits, and
 * `chooseConvMethod` (`conv/auto.ts`) weighs the chosen plan's modelled time
 * against the direct methods, so the planner and `auto` can never disagree
 * about what an FFT costs.
 */
import { AxisSplit } from "./split";

/**
 * Work counts of a plan: the features of the cost model. Exposed through
 * `Conv2dFFTPlan.work` so the model can be refitted.
 */
export interface Conv2dFFTWork {
  /** Butterflies: n log2 n per complex transform of length n, half that per real-input one. */
  butterflies: number;
  /** Elements gathered into and scattered out of transform buffers (and multiplied). */
  moves: number;
  /** fft.js calls (one per line). */
  lines: number;
  /** N-D transform calls (allocations, line tables). */
  calls: number;
}

/** Nanoseconds per unit of each work count. */
export type FFTCostWeights = Readonly<Conv2dFFTWork>;

/**
 * Cost-model weights in nanoseconds per unit of work, for the transposed
 * half-spectrum engine: non-negative least squares on the relative error of 333
 * forced plans (polyphase on/off, block lengths per axis) over 27 shapes of the
 * blog's three settings (`node dist/bench/fft_quick.js fit`), Node 20 on the 2-core
 * development VM under load from other work. Predicted/actual time: median 1.00,
 * 10th-90th percentile 0.86-1.11; over those shapes the model's pick was at most
 * 1.11x slower than the fastest forced plan. Quick fit: refit from a bench run.
 */
export const FFT_COST_WEIGHTS: FFTCostWeights = Object.freeze({ butterflies: 1.42, moves: 0.655, lines: 88.5, calls: 1250 });

function butterflies(n: number): number {
  return n * Math.log2(n);
}

/** Rows of phase data read by the blocks of an axis (the last block may be short). */
function blockRows(s: AxisSplit): number {
  let rows = 0;
  for (let b = 0; b < s.blocks; b++) rows += Math.max(0, Math.min(s.size, s.phaseLength - b * s.validPerBlock));
  return rows;
}

/**
 * Work of one plan as the transposed half-spectrum engine (`src/fft/plane.ts`) runs it,
 * per (live phase pair, channel) "term": real transforms along the width of the kernel
 * rows and of every block's data rows; one column transform per bin of the data of
 * every block, and of the kernel (once when blocks share its stored spectrum, else
 * formed per column in the product pass); one inverse column transform per bin and
 * block; and one complex transform per two kept output rows. `moves` counts the
 * doubles touched outside fft.js: a real line is copied in and its half spectrum
 * written transposed (2 n1); a data column's product reads the transform, the kernel
 * column and the running sum and writes it (about 6 n0); a stored kernel column is
 * scaled and written back (4 n0); an inverse row pair builds its input from two half
 * spectra and writes two cropped rows (about 6 n1).
 */
export function fftWork(rows: AxisSplit, cols: AxisSplit, channels: number): Conv2dFFTWork {
  const n0 = rows.size, n1 = cols.size, bins = n1 / 2 + 1;
  const terms = rows.livePhases * cols.livePhases * channels;
  const blocks = rows.blocks * cols.blocks;
  const storedKernel = blocks > 1;
  // Real passes: kernel rows once, data rows of every block.
  const realLines = terms * (rows.phaseKernel + blockRows(rows) * cols.blocks);
  // Column passes: data per block, the kernel once (stored or formed per column), one inverse per block.
  const dataColumns = terms * blocks * bins;
  const kernelColumns = terms * bins;
  const columnLines = dataColumns + kernelColumns + blocks * bins;
  // Inverse rows: the kept rows, two per complex transform, once per column block.
  const inverseLines = cols.blocks * Math.ceil(rows.outputs / 2);
  return {
    butterflies: 0.5 * realLines * butterflies(n1) + columnLines * butterflies(n0) + inverseLines * butterflies(n1),
    moves: realLines * 2 * n1 + dataColumns * 6 * n0 + (storedKernel ? kernelColumns * 4 * n0 : 0) + inverseLines * 6 * n1,
    lines: realLines + columnLines + inverseLines,
    // Pass calls (each allocates its scratch): kernel row and column passes, two per term and block, one inverse per block.
    calls: terms * (storedKernel ? 2 : 1) + 2 * terms * blocks + blocks,
  };
}
/** Modelled time of a plan's work, in nanoseconds. */
export function fftWorkCost(w: Conv2dFFTWork, weights: FFTCostWeights = FFT_COST_WEIGHTS): number {
  let total = 0;
  for (const key of Object.keys(weights) as Array<keyof Conv2dFFTWork>) total += weights[key] * w[key];
  return total;
}
