/**
 * The one module that talks to the notebook kernel.
 *
 * Every displaying helper builds a MIME bundle and hands it to the
 * `DisplayTarget` this module returns for the running kernel:
 *
 * - **tslab** (Node): tslab's `display.*` methods send one MIME type per
 *   output, but a chart must go out as ONE bundle (vega-lite JSON for
 *   JupyterLab plus SVG for static HTML) or frontends would show it twice. So
 *   we call the function tslab itself uses under `display.*`:
 *   `lastWriteDisplayData` in tslab's `jupyter` module (tslab is pinned to
 *   1.0.22 for this reason).
 * - **Deno's Jupyter kernel** (`deno jupyter`): `Deno.jupyter.broadcast`
 *   sends the `display_data` message with the bundle as-is, and
 *   `update_display_data` with the same `display_id` to update it (see
 *   denoTarget for why not `Deno.jupyter.display`).
 * - **plain Node / Deno without a kernel**: no target (`undefined`); the
 *   callers then throw a NotebookError that says what to do instead.
 *
 * Detection reads globals each time (no cached singleton): tslab swaps its
 * writer per cell, and tests swap fake kernels in and out.
 */
import path from "node:path";

import type { MimeBundle } from "./format";
import { type DisplayTarget, NotebookError, newDisplayId } from "./target";

/** Which kernel runs this code. "none": plain Node or Deno outside `deno jupyter`. */
export type KernelKind = "tslab" | "deno" | "none";

/** The Jupyter display message tslab's `lastWriteDisplayData` takes. */
export interface TslabDisplayMessage {
  data: MimeBundle;
  metadata: Record<string, never>;
  transient: { display_id: string };
}

/** The part of tslab's internal `dist/jupyter.js` we use. */
export interface TslabJupyterModule {
  /** tslab sets this at the start of each cell; `update` selects `update_display_data`. */
  lastWriteDisplayData: ((message: TslabDisplayMessage, update: boolean) => void) | null;
}

/** Options of `Deno.jupyter.display` (lib.deno.ns.d.ts, Deno 2.x). */
export interface DenoDisplayOptions {
  raw?: boolean;
  update?: boolean;
  display_id?: string;
}

/** The part of Deno's `Deno.jupyter` namespace we use. */
export interface DenoJupyter {
  display(obj: unknown, options?: DenoDisplayOptions): Promise<void>;
  /** Declared `Promise<void>`; Deno 2.9.6 returns undefined (sends synchronously). */
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void> | void;
}

/** The globals detection looks at (`globalThis` by default; tests pass fakes). */
export interface KernelScope {
  __tslab__?: { require?: (id: string) => unknown };
  Deno?: { jupyter?: Partial<DenoJupyter> };
}

/** A detected kernel and the display target that talks to it. */
export interface Kernel {
  readonly kind: KernelKind;
  /** Undefined when kind is "none". */
  readonly target: DisplayTarget | undefined;
}

/**
 * Finds the `jupyter` module of the tslab copy that runs this kernel, or
 * undefined outside tslab. tslab's executor publishes its cell `require` as
 * `__tslab__.require`, hooked so that "tslab" means the kernel's own copy
 * (library code could see another copy through plain `require`). We take that
 * module and load its sibling `jupyter.js`. Outside tslab there is no
 * `__tslab__`, so nothing is loaded (tslab pulls in a whole TypeScript compiler).
 */
function loadTslabJupyter(scope: KernelScope): TslabJupyterModule | undefined {
  const hooked = scope.__tslab__?.require;
  if (typeof hooked !== "function") return undefined;
  try {
    const publicModule = hooked("tslab");
    const owner = Object.values(require.cache).find((m) => m !== undefined && m.exports === publicModule);
    const jupyterPath = owner ? path.join(path.dirname(owner.filename), "jupyter.js") : require.resolve("tslab/dist/jupyter");
    return require(jupyterPath) as TslabJupyterModule;
  } catch {
    return undefined;
  }
}

/** A target writing through tslab's per-cell display writer. */
export function tslabTarget(jupyter: TslabJupyterModule): DisplayTarget {
  const send = (data: MimeBundle, id: string, update: boolean): void => {
    // Look the writer up on every call: tslab swaps it at the start of each cell.
    const write = jupyter.lastWriteDisplayData;
    if (!write) throw new NotebookError("tslab has no active cell to display into");
    write({ data, metadata: {}, transient: { display_id: id } }, update);
  };
  return {
    display(bundle) {
      const id = newDisplayId();
      send(bundle, id, false);
      return { id, update: (next) => send(next, id, true) };
    },
  };
}

/**
 * A target sending through `Deno.jupyter.broadcast`, which puts a message on
 * the iopub channel under the current cell: `display_data` for a new output,
 * `update_display_data` for a progress update of it. Not `Deno.jupyter.display`:
 * that one is async and awaits before sending, so an update sent right after it
 * could overtake the output it updates (seen with Deno 2.9.6). broadcast sends
 * in call order; if a Deno version returns a Promise, a failure (kernel gone)
 * is reported on stderr, as there is no cell left to throw into.
 */
export function denoTarget(jupyter: DenoJupyter): DisplayTarget {
  const send = (msgType: "display_data" | "update_display_data", data: MimeBundle, id: string): void => {
    const sent: unknown = jupyter.broadcast(msgType, { data, metadata: {}, transient: { display_id: id } });
    if (sent instanceof Promise) sent.catch(reportDenoFailure);
  };
  return {
    display(bundle) {
      const id = newDisplayId();
      send("display_data", bundle, id);
      return { id, update: (next) => send("update_display_data", next, id) };
    },
  };
}

function reportDenoFailure(err: unknown): void {
  process.stderr.write(`einconv: Deno.jupyter.broadcast failed: ${err instanceof Error ? err.message : String(err)}\n`);
}

/**
 * `Deno.jupyter` when this is Deno's Jupyter kernel. Outside `deno jupyter`
 * Deno defines the property as a getter that throws ("only available in
 * `deno jupyter` subcommand"), so reading it is the test.
 */
function denoJupyter(scope: KernelScope): DenoJupyter | undefined {
  let jupyter: Partial<DenoJupyter> | undefined;
  try {
    jupyter = scope.Deno?.jupyter;
  } catch {
    return undefined;
  }
  if (!jupyter || typeof jupyter.display !== "function" || typeof jupyter.broadcast !== "function") return undefined;
  return jupyter as DenoJupyter;
}

/** Which kernel runs this code, and its display target (tslab first, then Deno's kernel). */
export function detectKernel(scope: KernelScope = globalThis as KernelScope): Kernel {
  const tslab = loadTslabJupyter(scope);
  if (tslab && typeof tslab.lastWriteDisplayData === "function") return { kind: "tslab", target: tslabTarget(tslab) };
  const deno = denoJupyter(scope);
  if (deno) return { kind: "deno", target: denoTarget(deno) };
  return { kind: "none", target: undefined };
}

/** The running kernel's display target, or undefined outside tslab and Deno's kernel. */
export function kernelDisplay(): DisplayTarget | undefined {
  return detectKernel().target;
}

/**
 * `target` if given, else the running kernel's display.
 *
 * @throws NotebookError outside a notebook kernel when no target is given.
 * @example
 * resolveDisplay(opts.target).display({ "text/plain": "hello" });
 */
export function resolveDisplay(target?: DisplayTarget): DisplayTarget {
  if (target) return target;
  const found = kernelDisplay();
  if (found) return found;
  throw new NotebookError(
    "einconv's display helpers need a notebook cell (tslab or Deno's Jupyter kernel) to display into. " +
      "Outside a notebook pass { target: recordingDisplay() }, use chart()/displayValue() (values that display " +
      "themselves through Symbol.for(\"Jupyter.display\")), or the pure *Spec/render/format functions.",
  );
}

/**
 * The tslab cell's display, or `undefined` outside a tslab kernel (or tslab's
 * in-process runner). Kept for callers that want tslab only; helpers use
 * {@link kernelDisplay}.
 */
export function tryTslabDisplay(): DisplayTarget | undefined {
  const found = detectKernel();
  return found.kind === "tslab" ? found.target : undefined;
}
