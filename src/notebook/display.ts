/**
 * Where notebook helpers send their output.
 *
 * A `DisplayTarget` shows one MIME bundle per output and can update it in
 * place (Jupyter's `display_id` / `update_display_data`). Inside a tslab cell
 * the default target talks to the running kernel; tests and scripts pass
 * `recordingDisplay()` instead.
 *
 * Why not `tslab.display`? Its methods send one MIME type per output, but a
 * chart must go out as ONE bundle (vega-lite JSON for JupyterLab plus SVG for
 * static HTML) or frontends would show it twice. So we call the function tslab
 * itself uses under `display.*`: `lastWriteDisplayData` in tslab's `jupyter`
 * module (tslab is pinned to 1.0.22 for this reason).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";

import type { MimeBundle } from "./format";

export type { MimeBundle } from "./format";

/** One output in a notebook cell that can be replaced in place. */
export interface DisplayHandle {
  /** Jupyter display id of this output. */
  readonly id: string;
  /** Replaces the content of this output (sends `update_display_data`). */
  update(bundle: MimeBundle): void;
}

/** Something that shows MIME bundles: the running tslab kernel, or a recorder. */
export interface DisplayTarget {
  /** Shows `bundle` as a new output and returns a handle to update it. */
  display(bundle: MimeBundle): DisplayHandle;
}

/** Options shared by every displaying helper. */
export interface DisplayOptions {
  /** Where to show the output. Default: the tslab cell being executed. */
  target?: DisplayTarget;
}

/** Thrown when a displaying helper runs outside a notebook without a target. */
export class NotebookError extends Error {
  override name = "NotebookError";
}

/** The message tslab's `lastWriteDisplayData` takes (Jupyter display_data content). */
interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, never>;
  transient: { display_id: string };
}

type WriteDisplayData = (message: DisplayMessage, update: boolean) => void;

/** The part of tslab's internal `dist/jupyter.js` we use. */
interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

interface TslabGlobal {
  __tslab__?: { require?: (id: string) => unknown };
}

/**
 * Finds the `jupyter` module of the tslab copy that runs this kernel, or
 * undefined outside tslab. tslab's executor publishes its cell `require` as
 * `globalThis.__tslab__.require`, hooked so that "tslab" means the kernel's own
 * copy (library code could see another copy through plain `require`). We take
 * that module and load its sibling `jupyter.js`. Outside tslab there is no
 * `__tslab__`, so nothing is loaded (tslab pulls in a whole TypeScript compiler).
 */
function loadTslabJupyter(): TslabJupyterModule | undefined {
  const hooked = (globalThis as TslabGlobal).__tslab__?.require;
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

function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * The display of the tslab cell being executed, or `undefined` outside a
 * tslab kernel (or tslab's in-process runner).
 */
export function tryTslabDisplay(): DisplayTarget | undefined {
  const jupyter = loadTslabJupyter();
  if (!jupyter || typeof jupyter.lastWriteDisplayData !== "function") return undefined;
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
 * `target` if given, else the running tslab cell's display.
 *
 * @throws NotebookError outside a tslab notebook when no target is given.
 * @example
 * resolveDisplay(opts.target).display({ "text/plain": "hello" });
 */
export function resolveDisplay(target?: DisplayTarget): DisplayTarget {
  if (target) return target;
  const found = tryTslabDisplay();
  if (found) return found;
  throw new NotebookError(
    "einconv's display helpers need a tslab notebook cell (TypeScript Jupyter kernel). " +
      "Outside a notebook pass { target: recordingDisplay() } or use the pure *Spec/render/format functions.",
  );
}

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
