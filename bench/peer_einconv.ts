/**
 * The einconv side of the peer table, run as a child process per thread count:
 *
 *   EINCONV_THREADS=2 node dist/bench/peer_einconv.js quick|default|full
 *
 * A fresh process per count sets the thread count the way users do (the environment
 * variable, read when the library loads) and keeps one count's JIT and cache state out of
 * the other's timings. Prints progress on stderr and one JSON {@link EinconvPeerReport} on
 * stdout. Its float32 results are checked here against its own float64 results, element by
 * element; the parent compares the checksums with numpy's and across thread counts.
 */
import ndarray from "ndarray";
import type { GridSize } from "./config";
import { configFor } from "./config";
import { checksum, ramp, type Checksum } from "./data";
import { B1, FFT_POINTS, MM, PEER_WORKLOADS as W, fftWorkload, type PeerCell } from "./peer_ids";
import { einconvThreads, warmThreadedPaths, type EinconvThreads } from "./threads";
import { timeCall } from "./timing";
import * as lib from "../src/index";
import { conv2dNHWCPerTap, convolve } from "../src/conv";
import type { Tensor } from "../src/types";

/** What the child prints. */
export interface EinconvPeerReport {
  threads: EinconvThreads;
  cells: PeerCell[];
  /** Checksum of each workload's result (keyed by workload id). */
  checks: Record<string, Checksum>;
}

/** A float32 copy of a float64 tensor. */
export function toF32(t: Tensor): Tensor {
  return ndarray(Float32Array.from(t.data as Float64Array), [...t.shape]);
}

/** Row-major values of any view. */
export function flat(t: Tensor): Float64Array {
  const size = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let n = 0; n < size; n++) {
    let at = t.offset;
    for (let k = 0; k < idx.length; k++) at += idx[k] * t.stride[k];
    out[n] = Number(t.data[at]);
    for (let k = idx.length - 1; k >= 0; k--) {
      if (++idx[k] < t.shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Throws unless `got` equals `ref` within `rtol` of ref's largest magnitude (float32: 1e-4 covers K ≤ 512 here). */
export function expectClose(what: string, got: ArrayLike<number>, ref: Float64Array, rtol: number): void {
  if (got.length !== ref.length) throw new Error(`peer check failed: ${what} has ${got.length} values, einconv ${ref.length}`);
  let scale = 0;
  let worst = 0;
  let at = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    if (!(d <= worst)) [worst, at] = [d, i];
  }
  if (!(worst <= rtol * scale)) throw new Error(`peer check failed: ${what} differs from einconv at flat index ${at}: ${got[at]} vs ${ref[at]} (max |ref| ${scale}, rtol ${rtol})`);
}

/** The operands of every einconv workload, built before timing (same ramps as peers.py). */
export function peerInputs() {
  const [b, c, h, w] = B1.input;
  const x = ramp(B1.input, 0);
  const wt = ramp([B1.out, c, B1.kernel, B1.kernel], 17);
  const x32 = toF32(x);
  const wt32 = toF32(wt);
  const a = ramp([MM, MM], 0);
  const bm = ramp([MM, MM], 17);
  return {
    x, wt, x32, wt32, a, bm,
    a32: toF32(a),
    b32: toF32(bm),
    dy: ramp([b, B1.out, h, w], 17),
    win: lib.windows(x, { kernel: B1.kernel, padding: B1.padding }),
    win32: lib.windows(x32, { kernel: B1.kernel, padding: B1.padding }),
    nx: ramp([100, 32, 32, 3], 0),
    nw: ramp([3, 3, 3, 16], 17),
  };
}

/** Times every einconv workload at this process's thread count. */
export function timeEinconvPeers(grid: GridSize): EinconvPeerReport {
  const config = configFor(grid);
  const threads = einconvThreads();
  const label = threads.requested ?? threads.effective;
  const I = peerInputs();
  warmThreadedPaths(); // the workers' first-use compile, outside every cell's timing
  const cells: PeerCell[] = [];
  const checks: Record<string, Checksum> = {};
  const kept: Record<string, Float64Array> = {};
  const time = (id: string, fn: () => Tensor, keep = false) => {
    const { timing, result } = timeCall(fn, config.timing);
    cells.push({ workload: id, impl: "einconv", threads: label, ...timing });
    checks[id] = checksum(result);
    if (keep) kept[id] = flat(result);
    process.stderr.write(".");
  };
  const win = () => lib.windows(I.x, { kernel: B1.kernel, padding: B1.padding });
  time(W.convF64, () => lib.einsum("bihwkl,oikl->bohw", I.win, I.wt), true);
  time(W.convF64Win, () => lib.einsum("bihwkl,oikl->bohw", win(), I.wt));
  time(W.convF32, () => lib.einsum("bihwkl,oikl->bohw", I.win32, I.wt32), true);
  time(W.mmF64, () => lib.einsum("ij,jk->ik", I.a, I.bm), true);
  time(W.mmF32, () => lib.einsum("ij,jk->ik", I.a32, I.b32), true);
  time(W.dW, () => lib.einsum("bihwkl,bohw->oikl", I.win, I.dy));
  time(W.nhwc, () => conv2dNHWCPerTap(I.nx, I.nw));
  for (const p of FFT_POINTS) {
    // Inputs built before timing, as on the scipy side.
    const data = ramp([p.n, p.n], 0);
    const kernel = ramp([p.f, p.f], 17);
    time(fftWorkload(p), () => convolve(data, kernel, { method: "fft" }));
  }
  process.stderr.write("\n");
  // einconv's own float32 results against its float64 ones, element by element
  expectClose(`einconv ${W.convF32}`, kept[W.convF32], kept[W.convF64], 1e-4);
  expectClose(`einconv ${W.mmF32}`, kept[W.mmF32], kept[W.mmF64], 1e-4);
  return { threads, cells, checks };
}

if (require.main === module) {
  const grid = (process.argv[2] ?? "default") as GridSize;
  if (!["quick", "default", "full"].includes(grid)) {
    console.error(`usage: EINCONV_THREADS=n node dist/bench/peer_einconv.js quick|default|full (got ${JSON.stringify(process.argv[2])})`);
    process.exitCode = 2;
  } else {
    try {
      process.stdout.write(JSON.stringify(timeEinconvPeers(grid)) + "\n");
    } catch (error: unknown) {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    }
  }
}
