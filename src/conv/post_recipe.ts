/**
 * THE REFERENCE POST'S FLAWED INPUT-GRADIENT RECIPE — not einconv's backward pass.
 *
 * This module re-implements, for demonstration only, the shortcut the "vectorized
 * convolution layer" post uses for `dX`, so a notebook can put it next to the correct
 * gradient ({@link Conv2D.backward}) and show where it fails. The recipe, for a layer
 * without dilation:
 * 1. if the forward stride is > 1, put **one** zero between neighbouring `dout` elements
 *    (whatever the stride);
 * 2. pad by `k - 1` when the forward padding is 0, otherwise by the forward padding;
 * 3. take stride-1 windows over that, as many as the input has rows/columns, with a plain
 *    strided view (no bounds check in numpy's `as_strided`);
 * 4. contract with the kernel rotated by 180°: `einsum("bohwkl,oikl->bihw")`.
 *
 * The correct transposed convolution needs `s - 1` zeros between elements, padding
 * `k - 1 - p` before, and `k - 1 - p + r` after, where `r = (in + 2p - k) mod s` are the rows
 * the forward stride skipped. The recipe therefore only works when `s <= 2`, `p` is 0 or
 * `(k-1)/2` and `r = 0`. When its window view needs more rows/columns than the padded
 * gradient has, numpy's view silently walks on into the next row, the next channel and
 * finally past the end of the array (memory it does not own): the result is then undefined.
 */
import ndarray from "ndarray";
import { einsum } from "../einsum";
import { Tensor } from "../types";
import { asStrided } from "../views";
import { axisGeometry } from "../geometry";
import { ConvError, PerAxis, perAxis } from "./info";

/** The inputs the recipe needs: the layer's weight, the forward input's shape and settings. */
export interface PostRecipeParams {
  /** Layer weight `(O, C, K, L)`. */
  weight: Tensor;
  /** Shape of the forward input `(B, C, H, W)`. */
  inputShape: readonly number[];
  /** Forward stride (the post's layer has no dilation). */
  stride: PerAxis;
  /** Forward padding. */
  padding: PerAxis;
}

/** What to do when the recipe's window view runs past the end of its buffer. */
export interface PostRecipeOptions {
  /**
   * `"error"` (default): when the view would read past the end of the buffer, return an
   * error instead of a dX, since numpy's numbers would depend on memory it does not own.
   * `"emulate"`: compute anyway, reading `pastEnd` for those elements.
   * In both modes, a view that only runs past the end of a row or channel plane wraps into
   * the next one, exactly as numpy's `as_strided` does (wrong but deterministic).
   */
  overrun?: "error" | "emulate";
  /** Value read past the end of the buffer in `"emulate"` mode; default NaN, so every dX entry that depends on it shows up as NaN. */
  pastEnd?: number;
}

/** One spatial axis: what the recipe builds versus what a correct transposed convolution needs. */
export interface PostRecipeAxis {
  /** Forward input size. */
  input: number;
  /** Upstream gradient size (the forward output). */
  gradient: number;
  /** Zeros the recipe puts between gradient elements (1 whenever stride > 1). */
  recipeZeros: number;
  /** Padding the recipe adds on both sides. */
  recipePadding: number;
  /** Size of the recipe's dilated, padded gradient. */
  recipeSize: number;
  /** Size its stride-1 windows need: `input + k - 1`. */
  needed: number;
  /** `needed - recipeSize`: > 0 means the windows run past the end of each row/plane. */
  overrun: number;
  /** Correct zeros between elements: `stride - 1`. */
  correctZeros: number;
  /** Correct padding before: `k - 1 - p`. */
  correctPaddingBefore: number;
  /** Correct padding after: `k - 1 - p + skipped`. */
  correctPaddingAfter: number;
  /** Input rows the forward stride skipped at the end: `(in + 2p - k) mod s`. */
  skipped: number;
}

/** Geometry shared by both outcomes. */
export interface PostRecipeGeometry {
  height: PostRecipeAxis;
  width: PostRecipeAxis;
  /** True when the recipe's view reads memory past the end of its buffer. */
  readsPastEnd: boolean;
}

/** The recipe's dX, or the reason it cannot be formed. */
export type PostRecipeResult =
  | { ok: true; dx: Tensor; geometry: PostRecipeGeometry }
  | { ok: false; error: ConvError; geometry: PostRecipeGeometry };

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function axisReport(input: number, gradient: number, k: number, s: number, p: number): PostRecipeAxis {
  const recipeZeros = s > 1 ? 1 : 0;
  const recipePadding = p === 0 ? k - 1 : p;
  const recipeSize = recipeZeros ? 2 * gradient - 1 + 2 * recipePadding : gradient + 2 * recipePadding;
  const needed = input + k - 1;
  // Inputs the forward stride never reached: the padded length minus what the last window ends at.
  const g = axisGeometry({ size: input, kernel: k, stride: s, padBefore: p, padAfter: p });
  const skipped = g.padded - ((g.out - 1) * g.stride + g.span);
  return {
    input,
    gradient,
    recipeZeros,
    recipePadding,
    recipeSize,
    needed,
    overrun: needed - recipeSize,
    correctZeros: s - 1,
    correctPaddingBefore: k - 1 - p,
    correctPaddingAfter: k - 1 - p + skipped,
    skipped,
  };
}

/**
 * The post's `dX` for upstream gradient `dout` `(B, O, H', W')` — a deliberately faithful
 * copy of a flawed recipe (see the module comment). Compare with `Conv2D.backward(dout).dx`.
 *
 * @example
 * const r = postRecipeInputGrad(dout, { weight: conv.weight, inputShape: x.shape, stride: 3, padding: 0 });
 * if (r.ok) show(r.dx); else console.log(r.error.message, r.geometry.height);
 */
export function postRecipeInputGrad(dout: Tensor, params: PostRecipeParams, options: PostRecipeOptions = {}): PostRecipeResult {
  const who = "postRecipeInputGrad";
  const { weight, inputShape } = params;
  if (weight.shape.length !== 4) throw new ConvError(`${who}: weight must be (O, C, K, L), got ${shapeText(weight.shape)}`);
  if (inputShape.length !== 4) throw new ConvError(`${who}: inputShape must be (B, C, H, W), got ${shapeText(inputShape)}`);
  const [o, c, k, l] = weight.shape;
  const [b, , h, w] = inputShape;
  if (inputShape[1] !== c) throw new ConvError(`${who}: input has ${inputShape[1]} channels but the weight ${shapeText(weight.shape)} expects ${c}`);
  if (dout.shape.length !== 4 || dout.shape[0] !== b || dout.shape[1] !== o) {
    throw new ConvError(`${who}: dout must be (B, O, H', W') = [${b}, ${o}, H', W'], got ${shapeText(dout.shape)}`);
  }
  const stride = perAxis(`${who} stride`, params.stride, 1);
  const padding = perAxis(`${who} padding`, params.padding, 0);
  const [, , gh, gw] = dout.shape;
  const height = axisReport(h, gh, k, stride.height, padding.height);
  const width = axisReport(w, gw, l, stride.width, padding.width);

  // Steps 1-2: the dilated, padded gradient as one contiguous (B, O, Hr, Wr) buffer.
  const plane = height.recipeSize * width.recipeSize;
  const size = b * o * plane;
  // Highest flat index the stride-1 window view reads: last plane, last window, last tap.
  const lastRead = (b * o - 1) * plane + (h + k - 2) * width.recipeSize + (w + l - 2);
  const geometry: PostRecipeGeometry = { height, width, readsPastEnd: lastRead >= size };
  if (geometry.readsPastEnd && (options.overrun ?? "error") === "error") {
    const error = new ConvError(
      `the post's recipe needs ${height.needed}x${width.needed} rows x columns of dilated, padded gradient per channel ` +
        `but builds only ${height.recipeSize}x${width.recipeSize}; numpy's unchecked view would read past the end of the array ` +
        `(correct transposed convolution: ${height.correctZeros}/${width.correctZeros} zeros between elements, ` +
        `padding ${height.correctPaddingBefore}..${height.correctPaddingAfter} / ${width.correctPaddingBefore}..${width.correctPaddingAfter})`,
    );
    return { ok: false, error, geometry };
  }
  const buffer = new Float64Array(Math.max(size, lastRead + 1));
  buffer.fill(options.pastEnd ?? NaN, size); // only reached in "emulate" mode
  const step = height.recipeZeros + 1;
  const stepW = width.recipeZeros + 1;
  const src = dout.data as ArrayLike<number>;
  const [db, dc, dh, dw] = dout.stride;
  for (let bi = 0; bi < b; bi++) {
    for (let oi = 0; oi < o; oi++) {
      for (let i = 0; i < gh; i++) {
        for (let j = 0; j < gw; j++) {
          const row = height.recipePadding + i * step;
          const col = width.recipePadding + j * stepW;
          buffer[(bi * o + oi) * plane + row * width.recipeSize + col] = src[dout.offset + bi * db + oi * dc + i * dh + j * dw];
        }
      }
    }
  }

  // Step 3: stride-1 windows, H x W of them, walking the flat buffer like numpy's as_strided.
  const flat: Tensor = ndarray(buffer, [buffer.length]);
  const view = asStrided(flat, [b, o, h, w, k, l], [o * plane, plane, width.recipeSize, 1, width.recipeSize, 1], 0);
  // Step 4: kernel rotated by 180 degrees (a negative-stride view), contracted over o, k, l.
  const rotated = weight.step(1, 1, -1, -1);
  const dx = einsum("bohwkl,oikl->bihw", view, rotated);
  return { ok: true, dx, geometry };
}
