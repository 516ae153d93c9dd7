/**
 * The kernel adapter (src/notebook/kernel.ts) with fake kernels: tslab's
 * per-cell writer, Deno's `Deno.jupyter`, and neither. The real kernels are
 * exercised over the Jupyter protocol in kernel_protocol.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type DenoJupyter, type KernelScope, type TslabDisplayMessage, denoTarget, detectKernel, resolveDisplay, tslabTarget } from "../src/notebook/kernel";
import { NotebookError } from "../src/notebook/target";
import { display, html, markdown, richValue } from "../src/notebook/display";
import { show } from "../src/notebook/show";
import { benchmark } from "../src/notebook/benchmark";
import { fromNested } from "../src/ndutil";
import type { MimeBundle } from "../src/notebook/format";

interface Sent {
  msgType: string;
  content: Record<string, unknown>;
}

function fakeDeno(): { jupyter: DenoJupyter; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    jupyter: {
      display: () => Promise.reject(new Error("the adapter must use broadcast (ordered), not display")),
      broadcast(msgType, content) {
        sent.push({ msgType, content });
      },
    },
  };
}

/** Installs a fake `Deno` global for the duration of fn (the helpers detect through globalThis). */
async function withGlobalDeno<T>(deno: KernelScope["Deno"], fn: () => Promise<T> | T): Promise<T> {
  const scope = globalThis as KernelScope;
  const before = Object.getOwnPropertyDescriptor(globalThis, "Deno");
  scope.Deno = deno;
  try {
    return await fn();
  } finally {
    if (before) Object.defineProperty(globalThis, "Deno", before);
    else delete scope.Deno;
  }
}

test("detectKernel: none in plain Node, deno with Deno.jupyter, none when Deno.jupyter throws (deno run)", () => {
  assert.equal(detectKernel({}).kind, "none");
  assert.equal(detectKernel({}).target, undefined);
  assert.equal(detectKernel({ Deno: { jupyter: fakeDeno().jupyter } }).kind, "deno");
  const denoRun: KernelScope = {
    Deno: Object.defineProperty({}, "jupyter", {
      get() {
        throw new Error("Deno.jupyter is only available in `deno jupyter` subcommand");
      },
    }),
  };
  assert.equal(detectKernel(denoRun).kind, "none");
  assert.equal(detectKernel({ Deno: {} }).kind, "none", "Deno without a jupyter namespace");
  assert.equal(detectKernel({ __tslab__: { require: () => ({}) } }).kind, "none", "a __tslab__ whose jupyter module cannot be found");
});

test("denoTarget: display_data with the bundle as-is and a display_id, updates as update_display_data, in call order", () => {
  const { jupyter, sent } = fakeDeno();
  const handle = denoTarget(jupyter).display({ "text/plain": "0/2" });
  handle.update({ "text/plain": "1/2" });
  handle.update({ "text/plain": "2/2" });
  assert.deepEqual(
    sent.map((s) => [s.msgType, (s.content.data as MimeBundle)["text/plain"], (s.content.transient as { display_id: string }).display_id]),
    [
      ["display_data", "0/2", handle.id],
      ["update_display_data", "1/2", handle.id],
      ["update_display_data", "2/2", handle.id],
    ],
  );
  assert.match(handle.id, /^[0-9a-f]{16}$/);
  assert.deepEqual(sent[0].content.metadata, {});
});

test("tslabTarget: writes through the current cell's writer, looked up per call", () => {
  const calls: Array<{ message: TslabDisplayMessage; update: boolean; cell: number }> = [];
  const jupyter = { lastWriteDisplayData: (message: TslabDisplayMessage, update: boolean) => calls.push({ message, update, cell: 1 }) };
  const handle = tslabTarget(jupyter).display({ "text/plain": "a" });
  jupyter.lastWriteDisplayData = (message, update) => calls.push({ message, update, cell: 2 });
  handle.update({ "text/plain": "b" });
  assert.deepEqual(
    calls.map((c) => [c.cell, c.update, c.message.data["text/plain"], c.message.transient.display_id]),
    [
      [1, false, "a", handle.id],
      [2, true, "b", handle.id],
    ],
  );
  const gone = tslabTarget({ lastWriteDisplayData: null });
  assert.throws(() => gone.display({ "text/plain": "x" }), NotebookError);
});

test("every displaying helper goes to Deno's kernel when it is the one running", async () => {
  const { jupyter, sent } = fakeDeno();
  await withGlobalDeno({ jupyter }, async () => {
    show(fromNested([[1, 2]]), { label: "a" });
    markdown("**3** rows");
    html("<b>done</b>");
    display({ "text/plain": "raw" });
    await benchmark({ m: () => 1 }, { n: [1] }, { repeats: 1, warmup: 0 });
  });
  const kinds = sent.map((s) => [s.msgType, (s.content.data as MimeBundle)["text/plain"]]);
  assert.deepEqual(kinds.slice(0, 4), [
    ["display_data", "a = array([[1., 2.]])"],
    ["display_data", "**3** rows"],
    ["display_data", "done"],
    ["display_data", "raw"],
  ]);
  assert.equal((sent[1].content.data as MimeBundle)["text/markdown"], "**3** rows");
  assert.equal((sent[2].content.data as MimeBundle)["text/html"], "<b>done</b>");
  // benchmark: one progress output, then updates of that same output.
  const progress = sent.slice(4);
  assert.equal(progress[0].msgType, "display_data");
  assert.ok(progress.length >= 3 && progress.slice(1).every((s) => s.msgType === "update_display_data"));
  const ids = new Set(progress.map((s) => (s.content.transient as { display_id: string }).display_id));
  assert.equal(ids.size, 1);
  assert.match(String((progress[progress.length - 1].content.data as MimeBundle)["text/plain"]), /^benchmark: done: 1 runs in /);
});

test("outside a kernel: a clear NotebookError naming both kernels and the alternatives; richValue still displays itself", () => {
  assert.throws(() => resolveDisplay(), (e: unknown) => e instanceof NotebookError && /tslab or Deno's Jupyter kernel/.test(e.message) && /recordingDisplay/.test(e.message));
  assert.throws(() => markdown("x"), NotebookError);
  const value = richValue({ "text/markdown": "**hi**", "text/plain": "hi" });
  const hook = (value as unknown as Record<symbol, () => MimeBundle>)[Symbol.for("Jupyter.display")];
  assert.deepEqual(hook(), { "text/markdown": "**hi**", "text/plain": "hi" });
});
