/**
 * The display vocabulary every notebook helper shares: a `DisplayTarget` shows
 * one MIME bundle per output and can update it in place (Jupyter's
 * `display_id` / `update_display_data`). Which kernel is behind a target is
 * decided in kernel.ts; this module only names the shapes (so kernel.ts and
 * display.ts both import it and not each other).
 */
import { randomBytes } from "node:crypto";

import type { MimeBundle } from "./format";

export type { MimeBundle } from "./format";

/** One output in a notebook cell that can be replaced in place. */
export interface DisplayHandle {
  /** Jupyter display id of this output. */
  readonly id: string;
  /** Replaces the content of this output (sends `update_display_data`). */
  update(bundle: MimeBundle): void;
}

/** Something that shows MIME bundles: the running kernel (tslab or Deno), or a recorder. */
export interface DisplayTarget {
  /** Shows `bundle` as a new output and returns a handle to update it. */
  display(bundle: MimeBundle): DisplayHandle;
}

/** Options shared by every displaying helper. */
export interface DisplayOptions {
  /** Where to show the output. Default: the cell being executed (tslab or Deno's Jupyter kernel). */
  target?: DisplayTarget;
}

/** Thrown when a displaying helper runs outside a notebook without a target. */
export class NotebookError extends Error {
  override name = "NotebookError";
}

/** A fresh Jupyter display id (16 hex digits). */
export function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}
