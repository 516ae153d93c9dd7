/**
 * The "strided view" method: every kernel position becomes one window of a
 * zero-copy `(oh, ow, kh, kw[, c])` view of the (padded) data, and one einsum
 * contracts all windows with the kernel. Stride and dilation live in the view's
 * strides, so no output is computed and thrown away.
 */
import { einsum } from "../einsum";
import { asStrided } from "../views";
import { Tensor } from "../types";
import { ConvInfo } from "./info";
import { padSpatial } from "./padding";

/**
 * The window view of already padded `(H, W)` or `(H, W, c)` data (`info.paddedHeight`
 * by `info.paddedWidth`): shape `(oh, ow, kh, kw)` or `(oh, ow, kh, kw, c)`, element
 * `[r, q, i, j, ...] = data[r*sh + i*dh, q*sw + j*dw, ...]`. Zero-copy; read-only use
 * (windows overlap, so one element has several indices).
 *
 * @example
 * convWindows(x10x10, convInfo([10, 10], [3, 3])).shape; // [8, 8, 3, 3]: 64 windows
 */
export function convWindows(padded: Tensor, info: ConvInfo): Tensor {
  const [s0, s1] = padded.stride;
  return asStrided(
    padded,
    [info.outHeight, info.outWidth, info.kernelHeight, info.kernelWidth, ...padded.shape.slice(2)],
    [info.strideHeight * s0, info.strideWidth * s1, info.dilationHeight * s0, info.dilationWidth * s1, ...padded.stride.slice(2)],
  );
}

/**
 * Cross-correlation as one einsum over the window view: `"hwkl,kl->hw"` for 2-D
 * data, `"hwklc,klc->hw"` for 3-D data and kernel, `"hwklc,kl->hw"` for a 2-D kernel
 * on 3-D data (the kernel is broadcast over the depth by the contraction itself).
 * Copies the data once into a zero-padded buffer when `info` asks for any padding
 * (a window view cannot reach outside the data); otherwise nothing is copied
 * before the einsum. `info` must come from `convInfo(x.shape, kernel.shape, ...)`.
 * Returns a new float64 `(outHeight, outWidth)` array.
 *
 * @example
 * correlateStrided(x, k, convInfo(x.shape, k.shape, { stride: 2 }));
 */
export function correlateStrided(x: Tensor, kernel: Tensor, info: ConvInfo): Tensor {
  const padded = padSpatial(x, [info.padTop, info.padBottom], [info.padLeft, info.padRight]);
  const depth = (rank: number) => (rank === 3 ? "c" : "");
  const spec = `hwkl${depth(x.shape.length)},kl${depth(kernel.shape.length)}->hw`;
  return einsum(spec, convWindows(padded, info), kernel, { dtype: "float64" });
}
