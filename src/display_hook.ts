/**
 * How einconv's tensors show themselves in a REPL or notebook cell.
 *
 * tslab prints a cell's last value with `console.log`, i.e. Node's
 * `util.inspect`; Deno's Jupyter kernel asks a value for
 * `[Symbol.for("Jupyter.display")]()`. Both hooks are looked up on the object,
 * so einconv puts them on the tensors it returns, as non-enumerable own
 * properties (invisible to `Object.keys`, JSON and `deepStrictEqual`), through
 * {@link displayable} — called where einconv allocates results and builds
 * views (`zeros`, `makeView`). The `ndarray` package's shared view classes are
 * never touched: an array built with plain `ndarray(...)`, or derived with
 * ndarray's own methods (`.transpose()`, `.pick()`, ...), keeps ndarray's
 * object dump; pass it to `show(x)` or `displayable(x)`.
 *
 * This module only formats text (src/notebook/format.ts is pure), so the core
 * entry stays free of the notebook stack.
 */
import type { Tensor } from "./types";
import { type MimeBundle, arrayBundle, formatArray } from "./notebook/format";

/** Node's `util.inspect.custom` (a registered symbol, so no `node:util` import). */
export const INSPECT_CUSTOM: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/** The method Deno's Jupyter kernel calls to get an object's MIME bundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** A tensor that displays itself numpy-style (see {@link displayable}). */
export type DisplayableTensor = Tensor & {
  /** numpy-style repr, for `util.inspect` / `console.log` / tslab's last value. */
  [INSPECT_CUSTOM](): string;
  /** `text/plain` numpy repr plus `text/html` table for small 2-D arrays. */
  [JUPYTER_DISPLAY](): MimeBundle;
};

// One shared function per hook (not a closure per tensor): `this` is the tensor.
function inspectTensor(this: Tensor): string {
  return formatArray(this);
}
function tensorBundle(this: Tensor): MimeBundle {
  return arrayBundle(this);
}
// Two defineProperty calls, not one defineProperties: it is on every result's path (a 10 µs
// convolution), and the descriptor map costs about 0.3 µs more per tensor.
const INSPECT_HOOK: PropertyDescriptor = { value: inspectTensor, enumerable: false, writable: true, configurable: true };
const DISPLAY_HOOK: PropertyDescriptor = { value: tensorBundle, enumerable: false, writable: true, configurable: true };

/**
 * Gives `x` (in place) the two display hooks and returns it: as a cell's last
 * value, or in `console.log`, it prints like numpy's repr; in Deno's Jupyter
 * kernel it displays as the MIME bundle of `show`. einconv's own results and
 * views already have them.
 *
 * @example
 * const x = displayable(ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]));
 * console.log(x);            // array([[1., 2.],
 *                            //        [3., 4.]])
 * x[Symbol.for("Jupyter.display")]()["text/html"]; // '<table class="einconv-array" ...'
 */
export function displayable<T extends Tensor>(x: T): T & DisplayableTensor {
  if (Object.isExtensible(x) && !Object.prototype.hasOwnProperty.call(x, INSPECT_CUSTOM)) {
    Object.defineProperty(x, INSPECT_CUSTOM, INSPECT_HOOK);
    Object.defineProperty(x, JUPYTER_DISPLAY, DISPLAY_HOOK);
  }
  return x as T & DisplayableTensor;
}
