/**
 * Where notebook helpers send their output, and the small displaying helpers
 * a notebook needs besides arrays and charts (`display`, `markdown`, `html`).
 *
 * Every helper builds a MIME bundle and hands it to a `DisplayTarget`:
 * `options.target` when given (tests and scripts pass `recordingDisplay()`),
 * else the running kernel's, found by kernel.ts, the only module that talks
 * to tslab or Deno's Jupyter kernel.
 */
import { INSPECT_CUSTOM, JUPYTER_DISPLAY } from "../display_hook";
import type { MimeBundle } from "./format";
import { resolveDisplay } from "./kernel";
import { type DisplayOptions, type DisplayTarget, newDisplayId } from "./target";

export type { MimeBundle } from "./format";
export { type DisplayHandle, type DisplayOptions, type DisplayTarget, NotebookError } from "./target";
export { type Kernel, type KernelKind, detectKernel, kernelDisplay, resolveDisplay, tryTslabDisplay } from "./kernel";

/** One recorded output: its final bundle after all updates, and how many updates it got. */
export interface RecordedOutput {
  id: string;
  bundle: MimeBundle;
  updates: number;
}

/** A display target that keeps outputs in memory (for tests and scripts). */
export interface RecordingDisplay extends DisplayTarget {
  /** Outputs in display order, each holding its latest bundle. */
  readonly outputs: RecordedOutput[];
}

/**
 * A display target that records bundles instead of sending them anywhere.
 *
 * @example
 * const rec = recordingDisplay();
 * show(x, { target: rec });
 * rec.outputs[0].bundle["text/plain"]; // "array([...])"
 */
export function recordingDisplay(): RecordingDisplay {
  const outputs: RecordedOutput[] = [];
  return {
    outputs,
    display(bundle) {
      const output: RecordedOutput = { id: newDisplayId(), bundle, updates: 0 };
      outputs.push(output);
      return {
        id: output.id,
        update(next) {
          output.bundle = next;
          output.updates += 1;
        },
      };
    },
  };
}

/**
 * Shows a MIME bundle as a new output of the current cell (tslab or Deno).
 * Returns nothing, so a last line `display(...)` prints nothing extra under
 * tslab (which prints a cell's last value); for an output you update later
 * use `resolveDisplay().display(bundle)`, which returns its handle.
 *
 * @example
 * display({ "text/html": "<b>done</b>", "text/plain": "done" });
 */
export function display(bundle: MimeBundle, options: DisplayOptions = {}): void {
  resolveDisplay(options.target).display(bundle);
}

/**
 * Shows markdown text as an output (what `tslab.display.markdown` did, on any kernel).
 *
 * @example
 * markdown(`**${rows.length}** rows measured`);
 */
export function markdown(text: string, options: DisplayOptions = {}): void {
  display({ "text/markdown": text, "text/plain": text }, options);
}

/**
 * Shows an HTML fragment as an output (what `tslab.display.html` did, on any kernel).
 * The text/plain fallback is the fragment with its tags removed.
 *
 * @example
 * html(`<table><tr><td>${ratio.toFixed(2)}</td></tr></table>`);
 */
export function html(fragment: string, options: DisplayOptions = {}): void {
  display({ "text/html": fragment, "text/plain": fragment.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim() }, options);
}

/** A value that displays itself as `bundle` (see {@link richValue}). */
export interface RichValue {
  readonly bundle: MimeBundle;
  /** Deno's Jupyter kernel calls this to display a cell's last value. */
  [JUPYTER_DISPLAY](): MimeBundle;
  /** `console.log` / tslab's last value: the text/plain of the bundle. */
  [INSPECT_CUSTOM](): string;
}

/**
 * Wraps a bundle into a value that displays itself: a Deno cell ending in it
 * draws the bundle, and any Jupyter-aware host can call
 * `value[Symbol.for("Jupyter.display")]()`; `console.log` prints its text.
 * Works outside a kernel, where there is no live output to send to.
 *
 * @example
 * richValue({ "text/markdown": "**hi**", "text/plain": "hi" })[Symbol.for("Jupyter.display")](); // the bundle
 */
export function richValue(bundle: MimeBundle): RichValue {
  const text = typeof bundle["text/plain"] === "string" ? bundle["text/plain"] : "[rich output]";
  return { bundle, [JUPYTER_DISPLAY]: () => bundle, [INSPECT_CUSTOM]: () => text };
}
