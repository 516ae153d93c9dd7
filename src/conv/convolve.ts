/**
 * `convolve`: 2-D cross-correlation over the first two axes of `(h, w)` or
 * `(h, w, c)` data with a `(kh, kw)` or `(kh, kw, c)` kernel, depth summed, by
 * one of three methods (FFT, sub-matrix, strided view) or an automatic choice.
 */
import { describe } from "../validate";
import { zeros } from "../ndutil";
import { assertConvOperand } from "../fft/errors";
import { asStrided, assign } from "../views";
import { Tensor } from "../types";
import { chooseConvMethod, ConvCostConstants, ConvMethodName, machineConvCosts } from "./auto";
import { convolveMeasured, MeasureOptions } from "./measure";
import { conv2dFFT } from "./fft";
import { ConvError, ConvInfo, convInfo, ConvShapeOptions } from "./info";
import { checkShape, padSpatial } from "./padding";
import { correlateStrided } from "./strided";
import { correlateSubmatrix } from "./submatrix";

/** A method name `convolve` accepts. */
export type ConvMethod = ConvMethodName | "auto" | "measure";

/** Options of {@link convolve}. */
export interface ConvolveOptions extends ConvShapeOptions {
  /**
   * Default "auto": the cheapest method by the cost model of `chooseConvMethod`.
   * "measure": time the candidates on the first call of each geometry and remember the
   * fastest (src/conv/measure.ts).
   */
  method?: ConvMethod;
  /** Cost-model constants for "auto" and measure's candidates (default: this machine's calibration, else `DEFAULT_CONV_COSTS`; see `machineConvCosts`). */
  costs?: ConvCostConstants;
  /** Knobs of "measure" (clock, candidate factor, runs, budget, wisdom memo). */
  measure?: MeasureOptions;
}

/**
 * Spreads the kernel's taps `dilation` apart on the spatial axes, zeros between
 * (a copy, kernel-sized; only the FFT path needs it, the others dilate in their views).
 */
function dilateKernel(kernel: Tensor, info: ConvInfo): Tensor {
  if (info.dilationHeight === 1 && info.dilationWidth === 1) return kernel;
  const out = zeros([info.effectiveKernelHeight, info.effectiveKernelWidth, ...kernel.shape.slice(2)]);
  const strides = [info.dilationHeight * out.stride[0], info.dilationWidth * out.stride[1], ...out.stride.slice(2)];
  assign(asStrided(out, kernel.shape, strides), kernel);
  return out;
}

/**
 * Runs the FFT method: pads the data (a copy, when there is padding) and hands the
 * valid, strided correlation to `conv2dFFT`.
 */
function correlateFFT(x: Tensor, kernel: Tensor, info: ConvInfo): Tensor {
  const padded = padSpatial(x, [info.padTop, info.padBottom], [info.padLeft, info.padRight]);
  // A 2-D kernel on 3-D data goes in as is: conv2dFFT applies it to every channel
  // and transforms it once instead of once per channel.
  return conv2dFFT(padded, dilateKernel(kernel, info), { stride: [info.strideHeight, info.strideWidth] });
}

/**
 * Runs one concrete method; `info` must be `convInfo(x.shape, kernel.shape, options)`.
 * Exposed for benchmarks that time a method without the option parsing.
 *
 * @example
 * const info = convInfo(x.shape, k.shape, { stride: 2 });
 * convolveWith("submatrix", x, k, info); // = convolve(x, k, { stride: 2, method: "submatrix" })
 */
export function convolveWith(method: ConvMethodName, x: Tensor, kernel: Tensor, info: ConvInfo): Tensor {
  switch (method) {
    case "fft":
      return correlateFFT(x, kernel, info);
    case "submatrix":
      return correlateSubmatrix(x, kernel, info);
    case "strided":
      return correlateStrided(x, kernel, info);
    default:
      throw new ConvError(`unknown method ${describe(method)}: expected "auto", "measure", "fft", "submatrix" or "strided"`);
  }
}

/**
 * 2-D cross-correlation (no kernel flip, as in CNNs) over the first two axes.
 *
 * - Data `(h, w)` or `(h, w, c)`; kernel `(kh, kw)` or `(kh, kw, c)`. A 2-D kernel on
 *   3-D data is repeated along the depth; the depth is summed. The result is a new
 *   float64 `(oh, ow)` array.
 * - Order of operations: zero `padding` on both sides of each spatial axis, then the
 *   `mode`'s zeros (`valid` none; `same` the `"correlate2d"` convention of `samePadding`
 *   in src/geometry.ts: `k-1` split as `floor((k-1)/2)` before and the rest after, as
 *   `scipy.signal.correlate2d` and TF's SAME, so an even kernel's extra zero is at the end,
 *   where the N-D `correlate`'s `"scipy"` convention puts it at the start; `full` `k-1` on
 *   both sides), then a valid
 *   correlation keeping every `stride`-th output from 0. So for 2-D data
 *   `convolve(x, k, { mode, stride: s })` equals `scipy.signal.correlate2d(x, k, mode)[::s, ::s]`,
 *   and 3-D data sums that over the channels.
 * - `dilation` spaces the kernel taps (the kernel spans `d*(k-1)+1` inputs).
 * - `method`: "fft", "submatrix", "strided", "auto" (default; the cost model of
 *   `chooseConvMethod`, with this machine's calibrated constants when `npx einconv calibrate`
 *   ran, else the shipped ones) or "measure" (times the candidates on the first call of a
 *   geometry, then runs the remembered winner; see src/conv/measure.ts). All give the same
 *   values up to float rounding: on random data the methods differ by up to ~5e-15 of
 *   the largest |output| (bench/rounding.ts), so the choice changes the last bits.
 *
 * @example
 * // the 7x7 / 3x3 / stride-2 example: [[91, 100, 88], [69, 91, 117], [44, 72, 74]]
 * convolve(x7x7, k3x3, { stride: 2 });
 * // image (h, w, 3), k (5, 5, 3)
 * convolve(image, k, { mode: "same", method: "fft" }).shape; // [h, w]
 */
export function convolve(x: Tensor, kernel: Tensor, options: ConvolveOptions = {}): Tensor {
  assertConvOperand(x, "convolve: x");
  assertConvOperand(kernel, "convolve: kernel");
  options ??= {};
  const method = options.method ?? "auto";
  if (method !== "auto" && method !== "measure" && method !== "fft" && method !== "submatrix" && method !== "strided") {
    throw new ConvError(`unknown method ${describe(method)}: expected "auto", "measure", "fft", "submatrix" or "strided"`);
  }
  checkShape(x, kernel); // rank and channel errors first, with the operands' shapes
  const info = convInfo(x.shape, kernel.shape, options);
  if (method === "measure") return convolveMeasured(x, kernel, info, (m) => convolveWith(m, x, kernel, info), options).result;
  const chosen = method === "auto" ? chooseConvMethod(info, options.costs ?? machineConvCosts().costs).method : method;
  return convolveWith(chosen, x, kernel, info);
}

