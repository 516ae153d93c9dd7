/**
 * How one axis of a strided VALID cross-correlation is split for the FFT:
 * a polyphase factor (to exploit the stride) and an overlap-save block length
 * (to avoid padding long axes to a much larger power of two).
 *
 * Polyphase: with f dividing the stride s and t = s / f, write x_p[m] = x[f*m + p]
 * and k_p[q] = k[f*q + p] (p < f). Then
 *   y[i] = sum_u x[s*i + u] k[u] = sum_p sum_q x_p[t*i + q] k_p[q],
 * so the strided correlation is a sum of f stride-t correlations of arrays f
 * times shorter (phases p >= kernel length have no taps and are skipped).
 *
 * Overlap-save: a circular correlation of length N of a block of N data
 * samples with a K-tap kernel yields V = N - K + 1 outputs free of wrap-around
 * (the ones that would need samples past the block wrap instead, and are not
 * kept). Consecutive blocks advance by V, so B = ceil(needed / V) blocks of
 * length N cover the axis. One block with N >= data length is plain FFT
 * convolution.
 */
import { ConvError } from "../../fft/errors";
import { IndexRange, fftSize, isFFTSize } from "../../fft/sizes";
import { GeometryContext, axisGeometry } from "../../geometry";

/** The split of one axis (see the module comment). */
export interface AxisSplit {
  /** Input length, kernel length and stride along the axis. */
  length: number;
  kernel: number;
  stride: number;
  /** Polyphase factor f (divides the stride) and the residual stride t = stride / f. */
  factor: number;
  residual: number;
  /** Longest data phase ceil(length / f) and kernel phase ceil(kernel / f). */
  phaseLength: number;
  phaseKernel: number;
  /** Phases with at least one kernel tap: min(f, kernel). */
  livePhases: number;
  /** Final outputs along the axis (the shared valid geometry, src/geometry.ts). */
  outputs: number;
  /** Stride-1 phase-correlation outputs that are needed: (outputs - 1) * t + 1. */
  needed: number;
  /** Transform length N (power of two >= phaseKernel) and wrap-free outputs per block V = N - K + 1. */
  size: number;
  validPerBlock: number;
  /** Number of overlap-save blocks. */
  blocks: number;
}

/**
 * Split of an axis of length `length` for a `kernel`-tap valid correlation at
 * `stride`, with polyphase factor `factor` and transform length `size`
 * (default: one block, the next power of two >= the phase length).
 *
 * @example splitAxis(256, 9, 1, 1).size // 256: one block, no polyphase
 * @example splitAxis(300, 9, 1, 1, 128).blocks // 3 blocks of 120 outputs
 */
export function splitAxis(
  length: number,
  kernel: number,
  stride: number,
  factor: number,
  size?: number,
  context: GeometryContext = { axis: "length" },
): AxisSplit {
  if (!Number.isInteger(factor) || factor < 1 || stride % factor !== 0) {
    throw new ConvError(`polyphase factor ${factor} must be a positive divisor of the stride ${stride}`);
  }
  const outputs = axisGeometry({ size: length, kernel, stride }, context).out;
  const residual = stride / factor;
  const phaseLength = Math.ceil(length / factor);
  const phaseKernel = Math.ceil(kernel / factor);
  const needed = (outputs - 1) * residual + 1;
  const n = size ?? fftSize(phaseLength);
  if (!isFFTSize(n) || n < phaseKernel) {
    throw new ConvError(`block transform length ${n} must be a power of two >= 2 and >= the kernel phase length ${phaseKernel}`);
  }
  const validPerBlock = n - phaseKernel + 1;
  return {
    length, kernel, stride, factor, residual, phaseLength, phaseKernel,
    livePhases: Math.min(factor, kernel),
    outputs, needed, size: n, validPerBlock,
    blocks: Math.ceil(needed / validPerBlock),
  };
}

/** The final outputs produced by block `b`: their first index, and where they sit in the block's circular result. */
export interface BlockOutputs {
  /** Index of the block's first final output along the axis. */
  first: number;
  /** Crop of the block's length-N circular result: start, count, step = residual stride. */
  crop: IndexRange;
  /** First phase-data sample the block reads. */
  dataStart: number;
}

/**
 * Which final outputs block `b` of an axis split yields. Block b covers the
 * phase outputs [b*V, min((b+1)*V, needed)); the final outputs are the
 * multiples of the residual stride t in that range.
 */
export function blockOutputs(s: AxisSplit, b: number): BlockOutputs {
  const lo = b * s.validPerBlock;
  const hi = Math.min(lo + s.validPerBlock, s.needed);
  const t = s.residual;
  const first = Math.ceil(lo / t);
  const end = Math.min(s.outputs, Math.ceil(hi / t));
  return { first, crop: { start: first * t - lo, length: Math.max(0, end - first), step: t }, dataStart: lo };
}
