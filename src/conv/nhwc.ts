/**
 * Framework-style (TensorFlow layout) 2-D convolution: input `[N, H, W, C]`,
 * filters `[KH, KW, Cin, Cout]` (square `F x F` in the usual case), output
 * `[N, H', W', Cout]`. Cross-correlation: the kernel is not flipped, which is what
 * frameworks compute (flipping it gives a different answer, see the tests).
 *
 * Three implementations that agree:
 * - {@link conv2dNHWC}: a 6-D window view `(N, H', W', KH, KW, C)` of the input
 *   (zero-copy, stride and dilation in the view's strides) contracted with the
 *   filters over three axes by one einsum;
 * - {@link conv2dNHWCPerTap}: one matrix product per kernel tap, `slab (N,H',W',C) @ W[i,j] (C,Cout)`;
 * - {@link conv2dNHWCNaive}: the seven nested loops, as a readable reference.
 */
import ndarray from "ndarray";
import { einsum, einsumAccumulate } from "../einsum";
import { asStrided } from "../views";
import { Tensor } from "../types";
import { axisGeometry, samePadding } from "../geometry";
import { ConvError, PerAxis, checkCount, perAxis } from "./info";
import { padND } from "./padding";
import { assertConvOperand } from "../fft/errors";
import { checkOptionKeys, describe } from "../validate";

/** Options of the NHWC convolutions. */
export interface NHWCOptions {
  /** Step between kernel positions; default 1. */
  stride?: PerAxis;
  /**
   * Zeros around H and W: a count (both sides), `[padH, padW]`, `"valid"` (= 0, the
   * default) or `"same"`: the `"tensorflow"` convention of `samePadding` (src/geometry.ts):
   * output `ceil(H / stride)`, the extra zero of an odd total at the bottom/right.
   */
  padding?: PerAxis | "valid" | "same";
  /** Spacing between kernel taps; default 1. */
  dilation?: PerAxis;
}

/** Shapes and options of one NHWC convolution, resolved once. */
export interface NHWCInfo {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  outChannels: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  outHeight: number;
  outWidth: number;
}

/**
 * Validates `[N, H, W, C]` / `[KH, KW, Cin, Cout]` shapes and options and resolves
 * padding and output sizes.
 *
 * @example
 * nhwcInfo([100, 32, 32, 3], [3, 3, 3, 16]).outHeight;                    // 30
 * nhwcInfo([1, 7, 7, 1], [3, 3, 1, 1], { stride: 2, padding: "same" }).padTop; // 1
 */
export function nhwcInfo(xShape: readonly number[], wShape: readonly number[], options: NHWCOptions = {}): NHWCInfo {
  if (xShape.length !== 4) {
    throw new ConvError(`conv2dNHWC: input must be 4-D [N, H, W, C], got rank ${xShape.length} (shape [${xShape.join(", ")}])`);
  }
  if (wShape.length !== 4) {
    throw new ConvError(`conv2dNHWC: filters must be 4-D [KH, KW, Cin, Cout], got rank ${wShape.length} (shape [${wShape.join(", ")}])`);
  }
  xShape.forEach((n, axis) => checkCount(`input size on axis ${axis}`, n, 1));
  wShape.forEach((n, axis) => checkCount(`filter size on axis ${axis}`, n, 1));
  const [batch, inHeight, inWidth, inChannels] = xShape;
  const [kernelHeight, kernelWidth, kernelChannels, outChannels] = wShape;
  if (kernelChannels !== inChannels) {
    throw new ConvError(`conv2dNHWC: filters have ${kernelChannels} input channels but the input has ${inChannels} channels`);
  }
  const stride = perAxis("stride", options.stride ?? 1, 1);
  const dilation = perAxis("dilation", options.dilation ?? 1, 1);
  const padding = options.padding ?? "valid";
  if (typeof padding === "string" && padding !== "valid" && padding !== "same") {
    throw new ConvError(`conv2dNHWC: unknown padding ${describe(padding)}: expected a count, "valid" or "same"`);
  }
  const explicit = typeof padding === "string" ? { height: 0, width: 0 } : perAxis("padding", padding, 0);

  const axis = (name: "height" | "width", inSize: number, k: number) => {
    const pads =
      padding === "same"
        ? samePadding("tensorflow", { size: inSize, span: dilation[name] * (k - 1) + 1, stride: stride[name] })
        : { before: explicit[name], after: explicit[name] };
    const g = axisGeometry(
      { size: inSize, kernel: k, stride: stride[name], dilation: dilation[name], padBefore: pads.before, padAfter: pads.after },
      { who: "conv2dNHWC", axis: name },
    );
    return { before: g.padBefore, after: g.padAfter, out: g.out };
  };
  const h = axis("height", inHeight, kernelHeight);
  const w = axis("width", inWidth, kernelWidth);
  return {
    batch,
    inHeight,
    inWidth,
    inChannels,
    kernelHeight,
    kernelWidth,
    outChannels,
    strideHeight: stride.height,
    strideWidth: stride.width,
    dilationHeight: dilation.height,
    dilationWidth: dilation.width,
    padTop: h.before,
    padBottom: h.after,
    padLeft: w.before,
    padRight: w.after,
    outHeight: h.out,
    outWidth: w.out,
  };
}

/** The zero-padded input (a copy when there is padding, `x` itself otherwise). */
function padInput(x: Tensor, info: NHWCInfo): Tensor {
  return padND(x, [0, [info.padTop, info.padBottom], [info.padLeft, info.padRight]]);
}

/**
 * The 6-D window view `(N, H', W', KH, KW, C)` of an already padded NHWC input:
 * `[n, r, q, i, j, c] = x[n, r*sh + i*dh, q*sw + j*dw, c]`. Zero-copy (read-only use:
 * windows overlap). This is the Q&A's `as_strided` view, with stride and dilation.
 *
 * @example
 * // x: [2, 7, 7, 3], filters [3, 3, 3, 4]
 * nhwcWindows(x, nhwcInfo(x.shape, [3, 3, 3, 4], { stride: 2 })).shape; // [2, 3, 3, 3, 3, 3]
 */
export function nhwcWindows(padded: Tensor, info: NHWCInfo): Tensor {
  const [sn, sh, sw, sc] = padded.stride;
  return asStrided(
    padded,
    [info.batch, info.outHeight, info.outWidth, info.kernelHeight, info.kernelWidth, info.inChannels],
    [sn, info.strideHeight * sh, info.strideWidth * sw, info.dilationHeight * sh, info.dilationWidth * sw, sc],
  );
}

/**
 * NHWC convolution as one contraction over three axes of the 6-D window view:
 * `einsum("nhwijc,ijcd->nhwd", windows, w)`. Copies the input once only when it
 * must be padded. Returns a new float64 `[N, H', W', Cout]` array.
 *
 * @example
 * // x: [100, 32, 32, 3], w: [3, 3, 3, 16]
 * conv2dNHWC(x, w).shape;                                  // [100, 30, 30, 16]
 * conv2dNHWC(x, w, { stride: 2, padding: "same" }).shape;  // [100, 16, 16, 16]
 */
export function conv2dNHWC(x: Tensor, w: Tensor, options: NHWCOptions = {}): Tensor {
  assertConvOperand(x, "conv2dNHWC: x"), assertConvOperand(w, "conv2dNHWC: filters"), checkOptionKeys(options, ["stride", "padding", "dilation"], "conv2dNHWC", ConvError);
  const info = nhwcInfo(x.shape, w.shape, options);
  return einsum("nhwijc,ijcd->nhwd", nhwcWindows(padInput(x, info), info), w, { dtype: "float64" });
}

/**
 * NHWC convolution with one matrix product per kernel tap (the article's
 * `matrix_mult`): for each `(i, j)`, the slab `x[:, i*dh :: sh, j*dw :: sw, :]`
 * (a view, `(N, H', W', C)`) times `w[i, j]` (`(C, Cout)`), accumulated. Each
 * product is an engine einsum on the slab view (no copy of the slab) that adds
 * into the output directly (the GEMM's C += A·B); besides the output, only the
 * padded input (when padding) is allocated. Each product has K = Cin: with up to 8
 * input channels (and Cout ≤ 32) the backend runs it through the small-K kernel
 * (src/compile/smallk.ts), one read-add-write pass over the output per tap. On the
 * article's shapes {@link conv2dNHWC} (all taps as K = 27 of one packed wasm GEMM) is
 * still about twice as fast: the per-tap route is float64 scalar JS, the window view SIMD.
 *
 * @example
 * conv2dNHWCPerTap(x, w, { stride: 2 }); // same values as conv2dNHWC(x, w, { stride: 2 })
 */
export function conv2dNHWCPerTap(x: Tensor, w: Tensor, options: NHWCOptions = {}): Tensor {
  assertConvOperand(x, "conv2dNHWCPerTap: x"), assertConvOperand(w, "conv2dNHWCPerTap: filters"), checkOptionKeys(options, ["stride", "padding", "dilation"], "conv2dNHWCPerTap", ConvError);
  const info = nhwcInfo(x.shape, w.shape, options);
  const padded = padInput(x, info);
  const shape = [info.batch, info.outHeight, info.outWidth, info.outChannels];
  const out = ndarray(new Float64Array(shape.reduce((a, b) => a * b, 1)), shape);
  // Every tap's product is added straight into out (accumulate-into-out, no second pass).
  for (let i = 0; i < info.kernelHeight; i++) {
    for (let j = 0; j < info.kernelWidth; j++) {
      const slab = padded
        .lo(0, i * info.dilationHeight, j * info.dilationWidth, 0)
        .step(1, info.strideHeight, info.strideWidth, 1)
        .hi(info.batch, info.outHeight, info.outWidth, info.inChannels);
      einsumAccumulate("nhwc,cd->nhwd", out, [slab, w.pick(i, j, null, null)]);
    }
  }
  return out;
}

/**
 * NHWC convolution by seven nested loops (batch, input channel, output channel,
 * output row, output column, kernel row, kernel column), reading padding as zeros.
 * A readable reference; very slow on real sizes.
 *
 * @example
 * conv2dNHWCNaive(x, w, { padding: 1 }); // same values as conv2dNHWC(x, w, { padding: 1 })
 */
export function conv2dNHWCNaive(x: Tensor, w: Tensor, options: NHWCOptions = {}): Tensor {
  assertConvOperand(x, "conv2dNHWCNaive: x"), assertConvOperand(w, "conv2dNHWCNaive: filters"), checkOptionKeys(options, ["stride", "padding", "dilation"], "conv2dNHWCNaive", ConvError);
  const info = nhwcInfo(x.shape, w.shape, options);
  const { batch, inChannels, outChannels, outHeight, outWidth, kernelHeight, kernelWidth } = info;
  const out = ndarray(new Float64Array(batch * outHeight * outWidth * outChannels), [batch, outHeight, outWidth, outChannels]);
  for (let n = 0; n < batch; n++) {
    for (let cin = 0; cin < inChannels; cin++) {
      for (let cout = 0; cout < outChannels; cout++) {
        for (let y = 0; y < outHeight; y++) {
          for (let xo = 0; xo < outWidth; xo++) {
            let sum = 0;
            for (let i = 0; i < kernelHeight; i++) {
              const row = y * info.strideHeight + i * info.dilationHeight - info.padTop;
              if (row < 0 || row >= info.inHeight) continue;
              for (let j = 0; j < kernelWidth; j++) {
                const col = xo * info.strideWidth + j * info.dilationWidth - info.padLeft;
                if (col < 0 || col >= info.inWidth) continue;
                sum += x.get(n, row, col, cin) * w.get(i, j, cin, cout);
              }
            }
            out.set(n, y, xo, cout, out.get(n, y, xo, cout) + sum);
          }
        }
      }
    }
  }
  return out;
}
