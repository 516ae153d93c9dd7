/**
 * TensorFlow.js (tfjs-core + the pure-JS CPU backend) as a JavaScript peer: the
 * convolution-layer forward, the matmuls and the article's NHWC convolution.
 * Optional: when the packages are not installed the benchmark says so and goes on.
 * The CPU backend computes in float32 only, so its rows are float32 timings, compared
 * with the float64 results by sums at float32 tolerance.
 */
import type { Checksum } from "./data";
import type { EinsumWorkload } from "./einsum_suite";
import { timeCall, type Timing, type TimingOptions } from "./timing";

interface TfTensor {
  shape: number[];
  dataSync(): Float32Array;
  dispose(): void;
}

/** The slice of tfjs-core used here. */
interface TfCore {
  version_core: string;
  tensor(values: Float32Array, shape: number[], dtype: "float32"): TfTensor;
  transpose(x: TfTensor, perm: number[]): TfTensor;
  matMul(a: TfTensor, b: TfTensor): TfTensor;
  conv2d(x: TfTensor, filter: TfTensor, strides: number, pad: "valid" | "same" | number): TfTensor;
  setBackend(name: string): Promise<boolean>;
  enableProdMode(): void;
  getBackend(): string;
}

/** One timed workload of a JS peer. */
export interface JsPeerResult {
  id: string;
  /** The peer's op, e.g. "matMul". */
  method: string;
  timing: Timing;
  check: Checksum;
}

/** A JS peer able to time some einsum workloads and the NHWC convolution. */
export interface JsPeer {
  name: string;
  /** Results for the einsum workloads it can express (matmuls, conv forward); others are left out. */
  einsum(workloads: EinsumWorkload[], timing: TimingOptions): JsPeerResult[];
  /** conv2d of a ramp input (N, H, W, Cin) with ramp filters (F, F, Cin, Cout), stride 1, valid. */
  nhwc(input: number[], filter: number[], timing: TimingOptions): { timing: Timing; check: Checksum };
}

/** Float32 ramp with the same values as bench/data.ts's `ramp`. */
function ramp32(tf: TfCore, shape: number[], salt: number): TfTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = ((i * 7919 + 13 + salt) % 10007) / 10007 - 0.5;
  return tf.tensor(data, shape, "float32");
}

function sums(t: TfTensor): Checksum {
  const d = t.dataSync();
  let sum = 0;
  let abs = 0;
  for (let i = 0; i < d.length; i++) {
    sum += d[i];
    abs += Math.abs(d[i]);
  }
  return { shape: [...t.shape], sum, abs_sum: abs };
}

/** Times `op` on prepared tensors, disposing every result (tfjs tensors are not garbage collected). */
function timeOp(op: () => TfTensor, timing: TimingOptions): { timing: Timing; check: Checksum } {
  const { timing: t, result } = timeCall(() => {
    const r = op();
    r.dataSync(); // the CPU backend is synchronous; this only makes sure the values exist
    return r;
  }, { ...timing, warmup: Math.max(1, timing.warmup) });
  const check = sums(result);
  result.dispose();
  return { timing: t, check };
}

/** Loads tfjs-core with the CPU backend, or returns null (with the reason printed). */
export async function loadTfjs(): Promise<JsPeer | null> {
  let tf: TfCore;
  try {
    tf = require("@tensorflow/tfjs-core") as TfCore;
    require("@tensorflow/tfjs-backend-cpu");
  } catch {
    console.log("  [tfjs peer skipped: @tensorflow/tfjs-core and @tensorflow/tfjs-backend-cpu are not installed]");
    return null;
  }
  tf.enableProdMode(); // no debug checks, and no "install tfjs-node" banner
  await tf.setBackend("cpu");
  const name = `tfjs-core ${tf.version_core} (${tf.getBackend()}, float32)`;
  return {
    name,
    einsum(workloads, timing) {
      const results: JsPeerResult[] = [];
      for (const wl of workloads) {
        const op = tfjsOp(tf, wl);
        if (!op) continue;
        results.push({ id: wl.id, method: op.name, ...timeOp(op.run, timing) });
        op.dispose();
      }
      return results;
    },
    nhwc(input, filter, timing) {
      const x = ramp32(tf, input, 0);
      const w = ramp32(tf, filter, 17);
      const out = timeOp(() => tf.conv2d(x, w, 1, "valid"), timing);
      x.dispose();
      w.dispose();
      return out;
    },
  };
}

/** The tfjs op for an einsum workload, on inputs holding the same values as einconv's (transposed to tfjs layouts). */
function tfjsOp(tf: TfCore, wl: EinsumWorkload): { name: string; run: () => TfTensor; dispose: () => void } | null {
  if (wl.spec === "ij,jk->ik" || wl.spec === "bij,bjk->bik") {
    const [a, b] = wl.operands.map((op, k) => ("shape" in op ? ramp32(tf, op.shape, 17 * k) : null));
    if (!a || !b) return null;
    return { name: "matMul", run: () => tf.matMul(a, b), dispose: () => (a.dispose(), b.dispose()) };
  }
  if (wl.spec === "bihwkl,oikl->bohw") {
    const [win, weight] = wl.operands;
    if (!("windows" in win) || !("shape" in weight)) return null;
    const xNchw = ramp32(tf, win.windows.input, 0);
    const wOikl = ramp32(tf, weight.shape, 17);
    const x = tf.transpose(xNchw, [0, 2, 3, 1]); // NCHW -> NHWC
    const w = tf.transpose(wOikl, [2, 3, 1, 0]); // (O, C, K, L) -> (K, L, C, O)
    xNchw.dispose();
    wOikl.dispose();
    return { name: "conv2d NHWC", run: () => tf.conv2d(x, w, win.windows.stride, win.windows.padding), dispose: () => (x.dispose(), w.dispose()) };
  }
  return null;
}
