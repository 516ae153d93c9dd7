/**
 * Issue 10's peer table: einconv next to numpy/scipy (1 and 2 OpenBLAS threads),
 * onnxruntime-node (MLAS; intraOpNumThreads 1 and 2) and tfjs-backend-wasm (XNNPACK,
 * 1 thread), plus the tfjs CPU backend, on the same inputs in one run. Every peer result
 * is compared element by element with einconv's float64 result *before* it is timed;
 * a mismatch throws (a peer computing something else must not get a time).
 */
import ndarray from "ndarray";
import { performance } from "node:perf_hooks";
import type { BenchConfig } from "./config";
import { checksum, ramp, sameResult, type Checksum } from "./data";
import { convModel, einsumModel, ortCall, type OrtModule } from "./onnx/ort";
import { runPeers, type PeerWorkload } from "./peers";
import { peersRequire } from "./peers_install";
import { startMeta, writeResults } from "./results";
import { formatTable, ms } from "./table";
import { timeCall, median, type Timing, type TimingOptions } from "./timing";
import * as lib from "../src/index";
import { conv2dNHWCPerTap, convolve } from "../src/conv";
import type { Tensor } from "../src/types";

const B1 = { input: [32, 16, 64, 64], out: 32, kernel: 3, padding: 1 };
const MM = 512;
const FFT_POINTS = [{ n: 256, f: 9 }, { n: 256, f: 31 }];

/** einconv's thread control when the library has one (issue 10 item 1); otherwise it is single-threaded. */
function einconvThreads(): { counts: number[]; set(n: number): void } {
  const api = lib as unknown as Record<string, unknown>;
  const set = api.setThreads;
  if (typeof set !== "function") return { counts: [1], set: () => undefined };
  return { counts: [1, 2], set: (n) => (set as (n: number) => void)(n) };
}

/** A cell of the table. */
interface PeerCell extends Timing {
  workload: string;
  impl: string;
  threads: number;
}

function f32(t: Tensor): Tensor {
  return ndarray(Float32Array.from(t.data as Float64Array), [...t.shape]);
}

/** Row-major values of any view. */
function flat(t: Tensor): Float64Array {
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

/** timeCall for async calls (onnxruntime's run is a Promise). */
async function timeAsync(fn: () => Promise<unknown>, options: TimingOptions): Promise<Timing> {
  for (let i = 0; i < Math.max(1, options.warmup); i++) await fn();
  const times: number[] = [];
  let spent = 0;
  while (times.length < Math.max(1, options.repeats) && (times.length === 0 || spent <= options.budgetMs)) {
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
  }
  return { median_ms: median(times), min_ms: Math.min(...times), repeats: times.length };
}

interface TfT {
  dataSync(): Float32Array;
  dispose(): void;
}
interface TfWasm {
  version_core: string;
  tensor(v: Float32Array, shape: number[], dtype: "float32"): TfT;
  transpose(x: TfT, perm: number[]): TfT;
  matMul(a: TfT, b: TfT): TfT;
  conv2d(x: TfT, w: TfT, strides: number, pad: number): TfT;
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  env(): { set(flag: string, v: boolean): void };
}

/** Runs the peer table, prints it and writes bench/results/peers.json. */
export async function runPeerTable(config: BenchConfig, options: { install: boolean }): Promise<void> {
  const meta = startMeta(config.grid);
  const cells: PeerCell[] = [];
  const add = (workload: string, impl: string, threads: number, t: Timing) => cells.push({ workload, impl, threads, ...t });
  const ec = einconvThreads();
  const W = {
    convF64: "B1 conv forward f64 (prebuilt window view)",
    convF64Win: "B1 conv forward f64 incl. windows() padding",
    convF32: "B1 conv forward f32",
    mmF64: `matmul ${MM}^3 f64`,
    mmF32: `matmul ${MM}^3 f32`,
    dW: "dW einsum bihwkl,bohw->oikl f64",
    nhwc: "NHWC per-tap (100,32,32,3)x(3,3,3,16)",
    fft: (p: { n: number; f: number }) => `2-D FFT conv grid 1 n${p.n} f${p.f}`,
  };

  // ---- einconv (and the float64 references every peer is checked against)
  const [b, c, h, w] = B1.input;
  const x = ramp(B1.input, 0);
  const wt = ramp([B1.out, c, B1.kernel, B1.kernel], 17);
  const dy = ramp([b, B1.out, h, w], 17);
  const win = lib.windows(x, { kernel: B1.kernel, padding: B1.padding });
  const a = ramp([MM, MM], 0);
  const bm = ramp([MM, MM], 17);
  const nx = ramp([100, 32, 32, 3], 0);
  const nw = ramp([3, 3, 3, 16], 17);
  const x32 = f32(x);
  const wt32 = f32(wt);
  const win32 = lib.windows(x32, { kernel: B1.kernel, padding: B1.padding });
  const a32 = f32(a);
  const b32 = f32(bm);
  const refs = new Map<string, Checksum>();
  let convRef: Float64Array | undefined;
  let mmRef: Float64Array | undefined;
  const f32Results: Record<string, Float64Array> = {};
  for (const threads of ec.counts) {
    ec.set(threads);
    const time = <T extends Tensor>(id: string, fn: () => T, keep?: (r: T) => void) => {
      const { timing, result } = timeCall(fn, config.timing);
      add(id, "einconv", threads, timing);
      refs.set(`${id}|einconv|${threads}`, checksum(result));
      keep?.(result);
    };
    time(W.convF64, () => lib.einsum("bihwkl,oikl->bohw", win, wt), (r) => (convRef ??= flat(r)));
    time(W.convF64Win, () => lib.einsum("bihwkl,oikl->bohw", lib.windows(x, { kernel: B1.kernel, padding: B1.padding }), wt));
    time(W.convF32, () => lib.einsum("bihwkl,oikl->bohw", win32, wt32), (r) => (f32Results[W.convF32] ??= flat(r)));
    time(W.mmF64, () => lib.einsum("ij,jk->ik", a, bm), (r) => (mmRef ??= flat(r)));
    time(W.mmF32, () => lib.einsum("ij,jk->ik", a32, b32), (r) => (f32Results[W.mmF32] ??= flat(r)));
    time(W.dW, () => lib.einsum("bihwkl,bohw->oikl", win, dy));
    time(W.nhwc, () => conv2dNHWCPerTap(nx, nw));
    for (const p of FFT_POINTS) time(W.fft(p), () => convolve(ramp([p.n, p.n], 0), ramp([p.f, p.f], 17), { method: "fft" }));
    process.stdout.write(".");
  }
  ec.set(ec.counts[0]);
  process.stdout.write("\n");
  const ref = (id: string) => refs.get(`${id}|einconv|1`)!;
  // einconv's own float32 results against its float64 ones, element by element
  expectClose(`einconv ${W.convF32}`, f32Results[W.convF32], convRef!, 1e-4);
  expectClose(`einconv ${W.mmF32}`, f32Results[W.mmF32], mmRef!, 1e-4);

  // ---- numpy / scipy at 1 and 2 BLAS threads
  const numpyThreads: Record<string, unknown> = {};
  const jobs: PeerWorkload[] = [
    { id: W.convF64, kind: "einsum", spec: "bihwkl,oikl->bohw", operands: [{ windows: { input: B1.input, kernel: 3, padding: 1, stride: 1 } }, { shape: [B1.out, c, 3, 3] }], variants: ["optimize=True"] },
    { id: W.mmF64, kind: "einsum", spec: "ij,jk->ik", operands: [{ shape: [MM, MM] }, { shape: [MM, MM] }], variants: ["optimize=True"] },
    { id: W.dW, kind: "einsum", spec: "bihwkl,bohw->oikl", operands: [{ windows: { input: B1.input, kernel: 3, padding: 1, stride: 1 } }, { shape: [b, B1.out, h, w] }], variants: ["optimize=True"] },
    { id: W.nhwc, kind: "nhwc", input: [100, 32, 32, 3], filter: [3, 3, 3, 16], methods: ["numpy_pertap"] },
    ...FFT_POINTS.map((p): PeerWorkload => ({ id: W.fft(p), kind: "conv", n: p.n, f: p.f, depth: 0, stride: 1, methods: ["scipy_fft"] })),
  ];
  for (const threads of [1, 2]) {
    const report = runPeers({ repeats: config.timing.repeats, warmup: config.timing.warmup, budget_ms: config.timing.budgetMs, workloads: jobs }, { threads });
    if (!report) break;
    numpyThreads[String(threads)] = report.env.blas_threads;
    for (const r of report.results) {
      if (!sameResult(r.check, ref(r.id))) throw new Error(`peer check failed: numpy ${r.id} (${r.method}) differs from einconv`);
      add(r.id, r.impl === "scipy" ? "scipy" : "numpy", threads, r);
    }
  }

  // ---- heavy peers from the cache folder
  const req = peersRequire(options);
  const versions: Record<string, string> = {};
  if (req) {
    const ort = req("onnxruntime-node") as OrtModule;
    versions["onnxruntime-node"] = ort.env.versions.node ?? "?";
    const out = [b, B1.out, h, w];
    for (const threads of [1, 2]) {
      const conv = await ortCall(ort, convModel(B1.input, wt32.data as Float32Array, [B1.out, c, 3, 3], B1.padding, out), { x: x32.data as Float32Array }, threads);
      expectClose("onnxruntime Conv f32", await conv.run(), convRef!, 1e-4);
      add(W.convF32, "onnxruntime", threads, await timeAsync(() => conv.run(), config.timing));
      await conv.release();
      for (const [id, type, feeds] of [[W.mmF64, "float64", { a: a.data, b: bm.data }], [W.mmF32, "float32", { a: a32.data, b: b32.data }]] as const) {
        const call = await ortCall(ort, einsumModel("ij,jk->ik", [MM, MM], [MM, MM], [MM, MM], type), feeds as Record<string, Float32Array | Float64Array>, threads);
        expectClose(`onnxruntime Einsum ${type}`, await call.run(), mmRef!, type === "float64" ? 1e-12 : 1e-4);
        add(id, "onnxruntime", threads, await timeAsync(() => call.run(), config.timing));
        await call.release();
      }
    }
    // tfjs-backend-wasm shares tfjs-core's global engine with the CPU peer: switch to wasm here and back afterwards.
    const tf = req("@tensorflow/tfjs-core") as TfWasm;
    const wasm = req("@tensorflow/tfjs-backend-wasm") as { setWasmPaths(prefix: string): void; version_wasm: string; getThreadsCount(): number };
    const previous = tf.getBackend() as string | undefined; // undefined when no tfjs backend was initialised yet
    wasm.setWasmPaths(req.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm").replace(/tfjs-backend-wasm\.wasm$/, ""));
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false); // Node has no web workers for its pthreads build: single-threaded SIMD
    await tf.setBackend("wasm");
    const tfThreads = wasm.getThreadsCount();
    versions["@tensorflow/tfjs-backend-wasm"] = `${wasm.version_wasm} (${tfThreads} thread)`;
    const tx = tf.transpose(tf.tensor(x32.data as Float32Array, B1.input, "float32"), [0, 2, 3, 1]);
    const tw = tf.transpose(tf.tensor(wt32.data as Float32Array, [B1.out, c, 3, 3], "float32"), [2, 3, 1, 0]);
    const ta = tf.tensor(a32.data as Float32Array, [MM, MM], "float32");
    const tb = tf.tensor(b32.data as Float32Array, [MM, MM], "float32");
    const tfTime = (id: string, op: () => TfT, check: (r: TfT) => ArrayLike<number>, refData: Float64Array) => {
      const first = op();
      expectClose(`tfjs-wasm ${id}`, check(first), refData, 1e-4);
      first.dispose();
      const { timing, result } = timeCall(() => {
        const r = op();
        r.dataSync();
        r.dispose();
        return r;
      }, config.timing);
      void result;
      add(id, "tfjs-wasm", tfThreads, timing);
    };
    tfTime(W.convF32, () => tf.conv2d(tx, tw, 1, B1.padding), (r) => tf.transpose(r, [0, 3, 1, 2]).dataSync(), convRef!);
    tfTime(W.mmF32, () => tf.matMul(ta, tb), (r) => r.dataSync(), mmRef!);
    for (const t of [tx, tw, ta, tb]) t.dispose();
    if (previous) await tf.setBackend(previous);
  }

  console.log(formatTable(peerTable(Object.values(W).flatMap((v) => (typeof v === "string" ? [v] : FFT_POINTS.map(v))), cells)));
  console.log(`  threads: einconv ${ec.counts.join(" and ")}${ec.counts.length === 1 ? " (single-threaded: no setThreads in this build)" : ""}; numpy OpenBLAS ${JSON.stringify(numpyThreads)}; onnxruntime intraOpNumThreads 1 and 2 (interOp 1); ${versions["@tensorflow/tfjs-backend-wasm"] ? `tfjs-backend-wasm ${versions["@tensorflow/tfjs-backend-wasm"]}` : "tfjs-wasm not run"}`);
  const file = writeResults("peers", meta, { versions, numpy_blas_threads: numpyThreads, einconv_threads: ec.counts, rows: cells });
  console.log(`  -> ${file}`);
}

function peerTable(workloads: string[], cells: PeerCell[]) {
  const cell = (wl: string, impls: string[]) => {
    const found = cells.filter((c) => c.workload === wl && impls.includes(c.impl)).sort((p, q) => p.threads - q.threads);
    return found.length ? found.map((c) => `${ms(c.median_ms)} (${c.threads})`).join(", ") : "—";
  };
  return {
    title: "peer table: median ms (threads); every peer result checked against einconv's before timing",
    header: ["workload", "einconv", "numpy / scipy", "tfjs-wasm (XNNPACK)", "onnxruntime (MLAS)"],
    rows: workloads.map((wl) => [wl, cell(wl, ["einconv"]), cell(wl, ["numpy", "scipy"]), cell(wl, ["tfjs-wasm"]), cell(wl, ["onnxruntime"])]),
  };
}
