/**
 * `show(x)`: display an ndarray in a notebook the way numpy prints it.
 */
import type { Tensor } from "../types";
import { type DisplayOptions, resolveDisplay } from "./display";
import { type BundleOptions, arrayBundle } from "./format";

export { arrayBundle } from "./format";

/** Options for {@link show}. */
export interface ShowOptions extends DisplayOptions, BundleOptions {}

/**
 * Displays an ndarray like numpy's repr (dtype shown when not float64), with
 * an HTML table for small 2-D arrays. Synchronous: no `await` needed. Works for
 * any ndarray, also ones built with plain `ndarray(...)` (those print as
 * ndarray's object dump when they are a cell's last value; einconv's own
 * results print numpy-style there too, see `displayable`).
 *
 * @example
 * // in a tslab cell
 * import { show } from "einconv/notebook";
 * show(ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]), { label: "x" });
 * // x = array([[1., 2.],
 * //            [3., 4.]])
 */
export function show(x: Tensor, options: ShowOptions = {}): void {
  resolveDisplay(options.target).display(arrayBundle(x, options));
}
