/**
 * `show(x)`: display an ndarray in a notebook the way numpy prints it.
 */
import type { Tensor } from "../types";
import { type DisplayOptions, type MimeBundle, resolveDisplay } from "./display";
import { type TableOptions, escapeHtml, formatArray, formatTableHtml } from "./format";

/** Options for {@link show} and {@link arrayBundle}. */
export interface ShowOptions extends DisplayOptions, TableOptions {
  /** Text shown before the array, e.g. a variable name. */
  label?: string;
  /** Add an HTML table for small 2-D arrays. Default true. */
  table?: boolean;
}

/**
 * The MIME bundle `show` displays: numpy-style `text/plain`, plus a
 * `text/html` table (caption: shape and dtype) when the array is 2-D and at
 * most `maxSide` (24) on each side.
 *
 * @example
 * arrayBundle(ndarray(new Float64Array([1, 2]), [2]))["text/plain"]; // "array([1., 2.])"
 */
export function arrayBundle(x: Tensor, options: ShowOptions = {}): MimeBundle {
  const text = formatArray(x, options);
  const label = options.label ? `${options.label} = ` : "";
  const bundle: Record<string, string> = { "text/plain": label + text };
  const table = options.table === false ? undefined : formatTableHtml(x, options);
  if (table) {
    const heading = options.label ? `<div style="font-family:monospace;font-weight:bold">${escapeHtml(options.label)}</div>` : "";
    bundle["text/html"] = heading + table;
  }
  return bundle;
}

/**
 * Displays an ndarray like numpy's repr (dtype shown when not float64), with
 * an HTML table for small 2-D arrays. Synchronous: no `await` needed.
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
