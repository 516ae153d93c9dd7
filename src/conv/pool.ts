/**
 * Max and average pooling over NCHW input, on the `(B, C, H', W', K, L)` window view
 * (`windows()`) of the layer's geometry record ({@link spatialSizes}), with their
 * backward passes.
 *
 * Conventions (PyTorch's defaults, `ceil_mode = false`):
 * - `stride` defaults to the kernel size; output size from the shared geometry (src/geometry.ts:
 *   the windows that fit in the padded input, PyTorch's floor rule);
 * - padding is at most half the kernel (`p <= floor(k/2)`), so every window holds at least
 *   one real element;
 * - max pooling pads with `-Infinity` (padding never wins), and a NaN in a window wins,
 *   so NaNs propagate; on ties the first maximum in row-major window order gets the gradient;
 * - average pooling pads with zeros and always divides by `K·L`, padding included
 *   (PyTorch's `count_include_pad = true`).
 * Results are float64.
 */
import ndarray from "ndarray";
import { einsum } from "../einsum";
import { copy, zeros } from "../ndutil";
import { Tensor } from "../types";
import { addScaled, pad, windows } from "../views";
import { ConvError, PerAxis, perAxis } from "./info";
import { assertConvOperand } from "../fft/errors";
import { checkOptionKeys } from "../validate";
import { SpatialSizes, WindowGeometry, spatialSizes } from "./layer";

/** The geometry as the `windows` view options. */
export function windowOptions(g: WindowGeometry): {
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  padding: [number, number];
} {
  return {
    kernel: [g.kernel.height, g.kernel.width],
    stride: [g.stride.height, g.stride.width],
    dilation: [g.dilation.height, g.dilation.width],
    padding: [g.padding.height, g.padding.width],
  };
}

/**
 * Average pooling's input gradient: for each tap `(k, l)`, `scale * dout` (shape
 * `(B, C, H', W')`, the same for every tap) is added to the strided slab
 * `paddedGrad[:, :, k*dh : : sh, l*dw : : sw]` (a view, H'×W' positions). Then the
 * padding border is cropped (a copy only when padding > 0). Per-tap slabs avoid the
 * `(B, C, H', W', K, L)` intermediate a scatter einsum would build from one `dout`.
 *
 * Returns the input gradient `(B, C, H, W)`.
 */
function scatterTaps(
  g: WindowGeometry,
  sizes: SpatialSizes,
  batchChannels: { batch: number; channels: number },
  dout: Tensor,
  scale: number,
): Tensor {
  const { batch, channels } = batchChannels;
  const grad = zeros([batch, channels, sizes.padded.height, sizes.padded.width]);
  const [s0, s1, s2, s3] = grad.stride;
  const slabShape = [batch, channels, sizes.output.height, sizes.output.width];
  const slabStrides = [s0, s1, s2 * g.stride.height, s3 * g.stride.width];
  for (let k = 0; k < g.kernel.height; k++) {
    for (let l = 0; l < g.kernel.width; l++) {
      const offset = k * g.dilation.height * s2 + l * g.dilation.width * s3;
      addScaled(ndarray(grad.data, slabShape, slabStrides, offset), dout, scale);
    }
  }
  if (g.padding.height === 0 && g.padding.width === 0) return grad;
  const inner = grad.lo(0, 0, g.padding.height, g.padding.width).hi(batch, channels, sizes.input.height, sizes.input.width);
  return copy(inner); // crop: the padded border is dropped, the rest made contiguous
}

/** Options of the pooling functions. */
export interface Pool2DOptions {
  /** Window size; a number means square. */
  kernel: PerAxis;
  /** Step between windows; defaults to the kernel size. */
  stride?: PerAxis;
  /** Padding on both sides of H and W, at most half the kernel; default 0. */
  padding?: PerAxis;
  /** Spacing between window taps; default 1. */
  dilation?: PerAxis;
}

interface PoolSetup {
  geometry: WindowGeometry;
  sizes: SpatialSizes;
}

function setup(inputShape: readonly number[], options: Pool2DOptions, who: string): PoolSetup {
  if (options === null || typeof options !== "object") throw new ConvError(`${who}: options { kernel, stride?, padding?, dilation? } are required`);
  checkOptionKeys(options, ["kernel", "stride", "padding", "dilation"], who, ConvError);
  if (inputShape.length !== 4) {
    throw new ConvError(`${who} expects an NCHW input of rank 4, got shape [${inputShape.join(", ")}]`);
  }
  const kernel = perAxis(`${who} kernel`, options.kernel, 1);
  const geometry: WindowGeometry = {
    kernel,
    stride: perAxis(`${who} stride`, options.stride ?? [kernel.height, kernel.width], 1),
    padding: perAxis(`${who} padding`, options.padding ?? 0, 0),
    dilation: perAxis(`${who} dilation`, options.dilation ?? 1, 1),
  };
  for (const axis of ["height", "width"] as const) {
    if (geometry.padding[axis] > Math.floor(kernel[axis] / 2)) {
      throw new ConvError(
        `${who}: padding ${axis} ${geometry.padding[axis]} must be at most half the kernel ${axis} ${kernel[axis]} ` +
          `(otherwise a window could hold only padding)`,
      );
    }
  }
  return { geometry, sizes: spatialSizes(geometry, inputShape[2], inputShape[3], who) };
}

function checkDout(dout: Tensor, inputShape: readonly number[], sizes: SpatialSizes, who: string): void {
  const want = [inputShape[0], inputShape[1], sizes.output.height, sizes.output.width];
  if (dout.shape.length !== 4 || dout.shape.some((n, i) => n !== want[i])) {
    throw new ConvError(`${who}: dout must have the pooled output's shape [${want.join(", ")}], got [${dout.shape.join(", ")}]`);
  }
}

/** Max over each window plus, per output, the row-major tap index `k*L + l` that won. */
function windowMax(x: Tensor, s: PoolSetup): { out: Tensor; winner: Int32Array } {
  const { padding } = s.geometry;
  // -Infinity padding is one copy of x (windows() would pad with zeros), made float64 so -Infinity fits.
  let src = x;
  if (padding.height > 0 || padding.width > 0) {
    src = pad(x, [[0, 0], [0, 0], [padding.height, padding.height], [padding.width, padding.width]], -Infinity, "float64");
  }
  const win = windows(src, { ...windowOptions(s.geometry), padding: 0 });
  const [nb, nc, nh, nw, nk, nl] = win.shape;
  const [sb, sc, sh, sw, sk, sl] = win.stride;
  const data = win.data as ArrayLike<number>;
  const out = zeros([nb, nc, nh, nw]);
  const values = out.data as Float64Array;
  const winner = new Int32Array(values.length);
  let o = 0;
  for (let b = 0; b < nb; b++) {
    for (let c = 0; c < nc; c++) {
      for (let h = 0; h < nh; h++) {
        for (let w = 0; w < nw; w++, o++) {
          const base = win.offset + b * sb + c * sc + h * sh + w * sw;
          let best = data[base];
          let arg = 0;
          for (let k = 0; k < nk; k++) {
            for (let l = 0; l < nl; l++) {
              const v = data[base + k * sk + l * sl];
              if (v > best || (v !== v && best === best)) {
                best = v;
                arg = k * nl + l;
              }
            }
          }
          values[o] = best;
          winner[o] = arg;
        }
      }
    }
  }
  return { out, winner };
}

/**
 * Max pooling: `y[b,c,h,w] = max_{k,l} xpad[b, c, h*sh + k*dh, w*sw + l*dw]`, padding = -Infinity.
 * Reads `x` through a window view; copies only when padding > 0.
 *
 * @example
 * maxPool2d(x, { kernel: 2 });                         // (B, C, 8, 8) -> (B, C, 4, 4)
 * maxPool2d(x, { kernel: 3, stride: 2, padding: 1 });  // (B, C, 9, 10) -> (B, C, 5, 5)
 */
export function maxPool2d(x: Tensor, options: Pool2DOptions): Tensor {
  assertConvOperand(x, "maxPool2d: x");
  return windowMax(x, setup(x.shape, options, "maxPool2d")).out;
}

/**
 * Gradient of {@link maxPool2d}: each `dout` entry goes to the input element that won its
 * window (first maximum on ties); elements that win several windows accumulate.
 * Recomputes the winners from `x` (the forward input).
 *
 * @example
 * const y = maxPool2d(x, { kernel: 2 });
 * const dx = maxPool2dBackward(dout, x, { kernel: 2 }); // shape of x
 */
export function maxPool2dBackward(dout: Tensor, x: Tensor, options: Pool2DOptions): Tensor {
  assertConvOperand(dout, "maxPool2dBackward: dout"), assertConvOperand(x, "maxPool2dBackward: x");
  const s = setup(x.shape, options, "maxPool2dBackward");
  checkDout(dout, x.shape, s.sizes, "maxPool2dBackward");
  const { winner } = windowMax(x, s);
  const [nb, nc, nh, nw] = dout.shape;
  const { kernel, stride, padding, dilation } = s.geometry;
  const dx = zeros(x.shape);
  const g = dx.data as Float64Array;
  const [gb, gc, gh, gw] = dx.stride;
  const d = dout.data as ArrayLike<number>;
  const [db, dc, dh, dw] = dout.stride;
  let o = 0;
  for (let b = 0; b < nb; b++) {
    for (let c = 0; c < nc; c++) {
      for (let h = 0; h < nh; h++) {
        for (let w = 0; w < nw; w++, o++) {
          const k = Math.floor(winner[o] / kernel.width);
          const l = winner[o] % kernel.width;
          const row = h * stride.height + k * dilation.height - padding.height;
          const col = w * stride.width + l * dilation.width - padding.width;
          // A winner in the padding only happens when the whole window is -Infinity; it gets no gradient.
          if (row < 0 || col < 0 || row >= x.shape[2] || col >= x.shape[3]) continue;
          g[b * gb + c * gc + row * gh + col * gw] += d[dout.offset + b * db + c * dc + h * dh + w * dw];
        }
      }
    }
  }
  return dx;
}

/**
 * Average pooling: the mean of each window, zero padding counted
 * (`count_include_pad = true`), computed as `einsum("bchwkl,kl->bchw", windows, 1/(K·L))`.
 *
 * @example
 * avgPool2d(x, { kernel: 3, stride: 2, padding: 1 });
 */
export function avgPool2d(x: Tensor, options: Pool2DOptions): Tensor {
  assertConvOperand(x, "avgPool2d: x");
  const s = setup(x.shape, options, "avgPool2d");
  const { kernel } = s.geometry;
  const weights = zeros([kernel.height, kernel.width]);
  (weights.data as Float64Array).fill(1 / (kernel.height * kernel.width));
  return einsum("bchwkl,kl->bchw", windows(x, windowOptions(s.geometry)), weights);
}

/**
 * Gradient of {@link avgPool2d}: every tap of a window gets `dout / (K·L)`, scattered back
 * through the window geometry (overlapping windows accumulate; gradient landing on padding
 * is dropped). Needs only the input shape.
 *
 * @example
 * const dx = avgPool2dBackward(dout, x.shape, { kernel: 3, stride: 2, padding: 1 });
 */
export function avgPool2dBackward(dout: Tensor, inputShape: readonly number[], options: Pool2DOptions): Tensor {
  assertConvOperand(dout, "avgPool2dBackward: dout");
  const s = setup(inputShape, options, "avgPool2dBackward");
  checkDout(dout, inputShape, s.sizes, "avgPool2dBackward");
  const { kernel } = s.geometry;
  return scatterTaps(s.geometry, s.sizes, { batch: inputShape[0], channels: inputShape[1] }, dout, 1 / (kernel.height * kernel.width));
}
