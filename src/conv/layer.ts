/**
 * A CNN convolution layer on NCHW float64 input, the layer of the "vectorized
 * convolution layer" post, with a backward pass that is right for every padding,
 * stride and dilation.
 *
 * Forward: `windows(x)` (a zero-copy view, except one zero-padded copy of `x` when
 * padding > 0) contracted with the weight by `einsum("bihwkl,oikl->bohw")`.
 *
 * Backward (input gradient) — design choice: **scatter-add through the window
 * geometry**. Each window element `win[b,i,h,w,k,l]` is the padded-input element
 * `xp[b, i, h*sh + k*dh, w*sw + l*dw]`, so
 * 1. `dcols = einsum("bohw,oikl->bihwkl", dout, weight)` is the gradient of every
 *    window element (same FLOPs as the forward pass);
 * 2. for each of the K×L taps, the strided slab `dxp[:, :, k*dh :: sh, l*dw :: sw]`
 *    (a view of the padded gradient buffer, H'×W' positions) gets `dcols[..., k, l]`
 *    added — windows that overlap simply accumulate;
 * 3. the padding border is cropped off.
 * The price is the `(B, C, H', W', K, L)` buffer `dcols` (K·L times `dout`'s spatial size
 * per channel); the taps themselves are views, never copies.
 * Rows and columns the stride skips at the end (when `in + 2p - d(k-1) - 1` is not a
 * multiple of the stride) are never touched, so their gradient is exactly 0, and
 * gradients that land in the padding are dropped by the crop. Nothing depends on
 * `p` versus `k`, so no case analysis is needed. The alternative, a transposed
 * convolution (insert `s-1` zeros between gradient elements, pad by `d(k-1)-p`,
 * add the skipped rows, correlate with the 180°-rotated kernel), costs `s²` times
 * more multiply-adds on inserted zeros and has exactly the corner cases the post's
 * recipe gets wrong (see `post_recipe.ts`).
 */
import { describe } from "../validate";
import ndarray from "ndarray";
import { einsum } from "../einsum";
import { copy, zeros } from "../ndutil";
import { Tensor } from "../types";
import { addScaled, windows } from "../views";
import { axisGeometry } from "../geometry";
import { ConvError, PerAxis, perAxis } from "./info";
import { assertConvOperand } from "../fft/errors";
import { mulberry32 } from "../random";

/** Height and width parts of a per-axis setting. */
export interface HeightWidth {
  readonly height: number;
  readonly width: number;
}

/** Window geometry shared by the layer and the pooling functions. */
export interface WindowGeometry {
  readonly kernel: HeightWidth;
  readonly stride: HeightWidth;
  /** Zeros added on both sides of each spatial axis. */
  readonly padding: HeightWidth;
  readonly dilation: HeightWidth;
}

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

/** Spatial sizes of one NCHW pass: input, padded input and output. */
export interface SpatialSizes {
  readonly input: HeightWidth;
  readonly padded: HeightWidth;
  readonly output: HeightWidth;
}

/**
 * Output size per axis from the shared geometry ({@link axisGeometry}: the largest range of
 * `stride*o + dilation*k - padding` inside the padded input), with its one error text when
 * the (dilated) kernel does not fit.
 */
export function spatialSizes(g: WindowGeometry, height: number, width: number, who: string): SpatialSizes {
  const axis = (name: "height" | "width", n: number) =>
    axisGeometry(
      { size: n, kernel: g.kernel[name], stride: g.stride[name], dilation: g.dilation[name], padBefore: g.padding[name], padAfter: g.padding[name] },
      { who, axis: name },
    );
  const h = axis("height", height);
  const w = axis("width", width);
  return {
    input: { height, width },
    padded: { height: h.padded, width: w.padded },
    output: { height: h.out, width: w.out },
  };
}

/**
 * Scatter-adds per-tap gradients back through the window geometry: for each tap
 * `(k, l)`, `scale * tap(k, l)` (shape `(B, C, H', W')`) is added to the strided slab
 * `paddedGrad[:, :, k*dh : : sh, l*dw : : sw]` (a view, H'×W' positions). Then the
 * padding border is cropped (a copy only when padding > 0).
 *
 * Returns the input gradient `(B, C, H, W)`.
 */
export function scatterTaps(
  g: WindowGeometry,
  sizes: SpatialSizes,
  batchChannels: { batch: number; channels: number },
  tap: (k: number, l: number) => Tensor,
  scale = 1,
): Tensor {
  const { batch, channels } = batchChannels;
  const grad = zeros([batch, channels, sizes.padded.height, sizes.padded.width]);
  const [s0, s1, s2, s3] = grad.stride;
  const slabShape = [batch, channels, sizes.output.height, sizes.output.width];
  const slabStrides = [s0, s1, s2 * g.stride.height, s3 * g.stride.width];
  for (let k = 0; k < g.kernel.height; k++) {
    for (let l = 0; l < g.kernel.width; l++) {
      const offset = k * g.dilation.height * s2 + l * g.dilation.width * s3;
      addScaled(ndarray(grad.data, slabShape, slabStrides, offset), tap(k, l), scale);
    }
  }
  if (g.padding.height === 0 && g.padding.width === 0) return grad;
  const inner = grad.lo(0, 0, g.padding.height, g.padding.width).hi(batch, channels, sizes.input.height, sizes.input.width);
  return copy(inner); // crop: the padded border is dropped, the rest made contiguous
}

/** Options of {@link Conv2D}. */
export interface Conv2DOptions {
  inChannels: number;
  outChannels: number;
  /** K×L kernel; a number means square. */
  kernelSize: PerAxis;
  /** Default 1. */
  stride?: PerAxis;
  /** Zeros added on both sides of H and W; default 0. */
  padding?: PerAxis;
  /** Spacing between kernel taps; default 1. */
  dilation?: PerAxis;
  /** Whether the layer has a bias; default true. */
  bias?: boolean;
  /** Seed of the weight initialisation; default 0. Same seed, same weights. */
  seed?: number;
}

/** Gradients returned by {@link Conv2D.backward}. */
export interface Conv2DGradients {
  /** Gradient of the input, `(B, C, H, W)`. */
  dx: Tensor;
  /** Gradient of the weight, `(O, C, K, L)`. */
  dw: Tensor;
  /**
   * Gradient of the bias, `(O)`: `dout` summed over batch, height and width.
   * Returned even for a layer built with `bias: false` (it is what a bias would get).
   */
  db: Tensor;
}

interface ForwardCache {
  inputShape: readonly number[];
  sizes: SpatialSizes;
  /** `(B, C, H', W', K, L)` view over the input (or its one padded copy). */
  windows: Tensor;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * 2-D convolution layer (cross-correlation, as in CNNs) on NCHW input.
 *
 * Weights are initialised He-uniform from a seeded PRNG: `U(-b, b)` with
 * `b = sqrt(6 / fanIn)`, `fanIn = C·K·L` (keeps activations' variance through ReLU
 * layers); the bias starts at 0. `weight` and `bias` are plain settable properties;
 * setting checks the shape and stores the tensor as given (no copy).
 *
 * @example
 * const conv = new Conv2D({ inChannels: 3, outChannels: 128, kernelSize: 3, stride: 2, padding: 1 });
 * const y = conv.forward(x);                 // x (4, 3, 12, 10) -> y (4, 128, 6, 5)
 * const { dx, dw, db } = conv.backward(dout); // (4, 3, 12, 10), (128, 3, 3, 3), (128)
 */
export class Conv2D {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly geometry: WindowGeometry;
  private weightTensor: Tensor;
  private biasTensor: Tensor | null;
  private cache: ForwardCache | null = null;

  constructor(options: Conv2DOptions) {
    if (options === null || typeof options !== "object") throw new ConvError(`Conv2D: options { inChannels, outChannels, kernelSize, ... } are required, got ${describe(options)}`);
    const { inChannels, outChannels } = options;
    for (const [name, v] of [["inChannels", inChannels], ["outChannels", outChannels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ConvError(`Conv2D: ${name} must be a positive integer, got ${String(v)}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.geometry = {
      kernel: perAxis("Conv2D kernelSize", options.kernelSize, 1),
      stride: perAxis("Conv2D stride", options.stride ?? 1, 1),
      padding: perAxis("Conv2D padding", options.padding ?? 0, 0),
      dilation: perAxis("Conv2D dilation", options.dilation ?? 1, 1),
    };
    const { height: kh, width: kw } = this.geometry.kernel;
    const random = mulberry32(options.seed ?? 0);
    const bound = Math.sqrt(6 / (inChannels * kh * kw));
    this.weightTensor = zeros([outChannels, inChannels, kh, kw]);
    const w = this.weightTensor.data as Float64Array;
    for (let i = 0; i < w.length; i++) w[i] = (2 * random() - 1) * bound;
    this.biasTensor = options.bias === false ? null : zeros([outChannels]);
  }

  /** Weight `(O, C, K, L)`. */
  get weight(): Tensor {
    return this.weightTensor;
  }

  set weight(value: Tensor) {
    assertConvOperand(value, "Conv2D.weight");
    const want = [this.outChannels, this.inChannels, this.geometry.kernel.height, this.geometry.kernel.width];
    if (value.shape.length !== 4 || value.shape.some((n, i) => n !== want[i])) {
      throw new ConvError(`Conv2D.weight must have shape (O, C, K, L) = ${shapeText(want)}, got ${shapeText(value.shape)}`);
    }
    this.weightTensor = value;
  }

  /** Bias `(O)`, or null for a layer without bias (set null to remove it). */
  get bias(): Tensor | null {
    return this.biasTensor;
  }

  set bias(value: Tensor | null) {
    if (value !== null) assertConvOperand(value, "Conv2D.bias");
    if (value !== null && (value.shape.length !== 1 || value.shape[0] !== this.outChannels)) {
      throw new ConvError(`Conv2D.bias must have shape (O) = [${this.outChannels}], got ${shapeText(value.shape)}`);
    }
    this.biasTensor = value;
  }

  /** Sets weight and (optionally) bias at once, with the same shape checks. */
  setWeights(params: { weight: Tensor; bias?: Tensor | null }): void {
    this.weight = params.weight;
    if (params.bias !== undefined) this.bias = params.bias;
  }

  /** Output shape `(B, O, H', W')` for an input shape, validating it. */
  outputShape(inputShape: readonly number[]): number[] {
    const sizes = this.checkInput(inputShape);
    return [inputShape[0], this.outChannels, sizes.output.height, sizes.output.width];
  }

  /**
   * `y[b,o,h,w] = bias[o] + Σ_{i,k,l} xpad[b, i, h*sh + k*dh, w*sw + l*dw] · weight[o,i,k,l]`.
   * Keeps the window view for {@link backward}: it views `x` itself when padding is 0,
   * so do not modify `x` in place between forward and backward.
   */
  forward(x: Tensor): Tensor {
    assertConvOperand(x, "Conv2D.forward: x");
    const sizes = this.checkInput(x.shape);
    const win = windows(x, windowOptions(this.geometry));
    const out = einsum("bihwkl,oikl->bohw", win, this.weightTensor);
    if (this.biasTensor !== null) {
      const b = this.biasTensor;
      // bias broadcast over b, h, w as a zero-stride view (no copy)
      addScaled(out, ndarray(b.data, out.shape, [0, b.stride[0], 0, 0], b.offset));
    }
    this.cache = { inputShape: [...x.shape], sizes, windows: win };
    return out;
  }

  /**
   * Gradients of a loss given `dout = ∂L/∂y` `(B, O, H', W')` from the last forward pass:
   * - `db = Σ_{b,h,w} dout`,
   * - `dw = einsum("bihwkl,bohw->oikl", windows, dout)`,
   * - `dx`: scatter-add of `einsum("bohw,oikl->bihwkl", dout, weight)` through the window
   *   geometry (see the module comment), right for every padding, stride and dilation.
   */
  backward(dout: Tensor): Conv2DGradients {
    assertConvOperand(dout, "Conv2D.backward: dout");
    if (this.cache === null) throw new ConvError("Conv2D.backward called before forward");
    const { inputShape, sizes, windows: win } = this.cache;
    const want = [inputShape[0], this.outChannels, sizes.output.height, sizes.output.width];
    if (dout.shape.length !== 4 || dout.shape.some((n, i) => n !== want[i])) {
      throw new ConvError(`Conv2D.backward: dout must have the forward output's shape ${shapeText(want)}, got ${shapeText(dout.shape)}`);
    }
    const db = einsum("bohw->o", dout);
    const dw = einsum("bihwkl,bohw->oikl", win, dout);
    const dcols = einsum("bohw,oikl->bihwkl", dout, this.weightTensor);
    const dx = scatterTaps(this.geometry, sizes, { batch: inputShape[0], channels: this.inChannels }, (k, l) =>
      dcols.pick(null, null, null, null, k, l),
    );
    return { dx, dw, db };
  }

  private checkInput(shape: readonly number[]): SpatialSizes {
    if (shape.length !== 4) {
      throw new ConvError(`Conv2D.forward expects an NCHW input of rank 4, got shape ${shapeText(shape)}`);
    }
    if (shape[1] !== this.inChannels) {
      throw new ConvError(
        `Conv2D.forward: input has ${shape[1]} channels (shape ${shapeText(shape)}) but the layer has inChannels = ${this.inChannels}`,
      );
    }
    return spatialSizes(this.geometry, shape[2], shape[3], "Conv2D.forward");
  }
}
