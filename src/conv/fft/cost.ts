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
 * Cost-model weights in nanoseconds per unit of work: non-negative least
 * squares on the relative error of 356 forced plans (polyphase on/off, block
 * lengths per axis) over 17 shapes of the blog's kind, Node 20 on the 2-core
 * development VM. Predicted/actual time: median 0.98, 10th-90th percentile
 * 0.83-1.06. Over those shapes the model's pick was at most 1.09x slower than
 * the fastest forced plan.
 */
export const FFT_COST_WEIGHTS: FFTCostWeights = Object.freeze({ butterflies: 2.2, moves: 5.75, lines: 87, calls: 4100 });

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
 * Work of one plan: real transforms along the width of the kernel rows and of every
 * block's data rows, complex transforms along the height of the half spectrum, one
 * inverse per block (only the kept rows along the width), for every live phase pair.
 */
export function fftWork(rows: AxisSplit, cols: AxisSplit, channels: number): Conv2dFFTWork {
  const n0 = rows.size, n1 = cols.size, bins = n1 / 2 + 1;
  const phases = rows.livePhases * cols.livePhases;
  const blocks = rows.blocks * cols.blocks;
  // Real passes: kernel rows once, data rows of every block.
  const realLines = phases * (channels * rows.phaseKernel + channels * blockRows(rows) * cols.blocks);
  // Column passes: kernel once, data per block, and one inverse per block.
  const columnLines = phases * channels * (1 + blocks) * bins + blocks * bins;
  // Inverse rows: the kept rows, two per complex transform, once per column block.
  const inverseLines = cols.blocks * Math.ceil(rows.outputs / 2);
  return {
    butterflies: 0.5 * realLines * butterflies(n1) + columnLines * butterflies(n0) + inverseLines * butterflies(n1),
    moves: realLines * 1.5 * n1 + columnLines * 2 * n0 + inverseLines * 3 * n1,
    lines: realLines + columnLines + inverseLines,
    calls: phases * (1 + blocks) + blocks,
  };
}

/** Modelled time of a plan's work, in nanoseconds. */
export function fftWorkCost(w: Conv2dFFTWork, weights: FFTCostWeights = FFT_COST_WEIGHTS): number {
  let total = 0;
  for (const key of Object.keys(weights) as Array<keyof Conv2dFFTWork>) total += weights[key] * w[key];
  return total;
}
