/**
 * Issue 10's peer table: einconv (timed in child processes with EINCONV_THREADS=1 and 2,
 * peer_einconv.ts) next to numpy/scipy (1 and 2 OpenBLAS threads),
 * onnxruntime-node (MLAS; intraOpNumThreads 1 and 2) and tfjs-backend-wasm (XNNPACK,
 * 1 thread), plus the tfjs CPU backend, on the same inputs in one run. Every peer result
 * is compared element by element with einconv's float64 result *before* it is timed;
 * a mismatch throws (a peer computing something else must not get a time).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { BenchConfig } from "./config";
import { sameResult, type Checksum } from "./data";
import { convModel, einsumModel, ortCall, type OrtModule } from "./onnx/ort";
import { expectClose, flat, peerInputs, type EinconvPeerReport } from "./peer_einconv";
import { B1, FFT_POINTS, MM, PEER_WORKLOADS as W, fftWorkload, type PeerCell } from "./peer_ids";
import { peerConsoleTable } from "./peer_report";
import { runPeers, type PeerWorkload } from "./peers";
import { peersRequire } from "./peers_install";
import { startMeta, writeResults } from "./results";
import { formatTable } from "./table";
import { timeCall, median, type Timing, type TimingOptions } from "./timing";
import * as lib from "../src/index";


/** The einconv thread counts of the table (issue 10: 1 and 2, next to numpy's and onnxruntime's). */
export const EINCONV_THREAD_COUNTS = [1, 2] as const;

/**
 * Runs peer_einconv.js in a child process with EINCONV_THREADS=threads and returns its report;
 * throws with the child's last stderr lines when it fails.
 */
export function runEinconvChild(grid: BenchConfig["grid"], threads: number): EinconvPeerReport {
  const child = spawnSync(process.execPath, [path.join(__dirname, "peer_einconv.js"), grid], {
    env: { ...process.env, EINCONV_THREADS: String(threads) },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stdout.write(`  einconv EINCONV_THREADS=${threads} ${child.stderr.split("\n").filter((l) => /^\.+$/.test(l)).join("")}\n`);
  if (child.error || child.status !== 0) {
    const why = child.error ? child.error.message : child.stderr.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`einconv peer child (EINCONV_THREADS=${threads}) failed: ${why}`);
  }
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as EinconvPeerReport;
}

/** Workloads whose checksums differ between two thread counts (issue 10: results must be bitwise identical for any count). */
export function threadMismatches(a: Record<string, Checksum>, b: Record<string, Checksum>): string[] {
  return Object.keys(a).filter((id) => b[id] && !sameResult(a[id], b[id], 1e-12));
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
  const add = (workload: string, impl: string, threads: number, t: Timing, method?: string) =>
    cells.push({ workload, impl, threads, median_ms: t.median_ms, min_ms: t.min_ms, repeats: t.repeats, cpu_ms: t.cpu_ms, batch: t.batch, ...(method ? { method } : {}) });

  // ---- einconv, one child process per thread count
  const children = EINCONV_THREAD_COUNTS.map((threads) => runEinconvChild(config.grid, threads));
  for (const child of children) cells.push(...child.cells);
  const mismatched = threadMismatches(children[0].checks, children[children.length - 1].checks);
  if (mismatched.length) console.log(`  WARNING: einconv results differ between EINCONV_THREADS=${EINCONV_THREAD_COUNTS.join(" and ")} on: ${mismatched.join("; ")}`);
  const refs = children[0].checks;
  const ref = (id: string) => refs[id];

  // float64 references for the peers' element-by-element checks (computed once here, untimed)
  const { x32, wt32, a, bm, a32, b32, win, wt } = peerInputs();
  const [b, c, h, w] = B1.input;
  const convRef = flat(lib.einsum("bihwkl,oikl->bohw", win, wt));
  const mmRef = flat(lib.einsum("ij,jk->ik", a, bm));

  // ---- numpy / scipy at 1 and 2 BLAS threads
  const numpyThreads: Record<string, unknown> = {};
  const jobs: PeerWorkload[] = [
    { id: W.convF64, kind: "einsum", spec: "bihwkl,oikl->bohw", operands: [{ windows: { input: B1.input, kernel: 3, padding: 1, stride: 1 } }, { shape: [B1.out, c, 3, 3] }], variants: ["optimize=True"] },
    { id: W.mmF64, kind: "einsum", spec: "ij,jk->ik", operands: [{ shape: [MM, MM] }, { shape: [MM, MM] }], variants: ["optimize=True"] },
    { id: W.dW, kind: "einsum", spec: "bihwkl,bohw->oikl", operands: [{ windows: { input: B1.input, kernel: 3, padding: 1, stride: 1 } }, { shape: [b, B1.out, h, w] }], variants: ["optimize=True"] },
    { id: W.nhwc, kind: "nhwc", input: [100, 32, 32, 3], filter: [3, 3, 3, 16], methods: ["numpy_pertap"] },
    ...FFT_POINTS.map((p): PeerWorkload => ({ id: fftWorkload(p), kind: "conv", n: p.n, f: p.f, depth: 0, stride: 1, methods: ["scipy_fft"] })),
  ];
  for (const threads of [1, 2]) {
    const report = runPeers({ repeats: config.timing.repeats, warmup: config.timing.warmup, budget_ms: config.timing.budgetMs, workloads: jobs }, { threads });
    if (!report) break;
    numpyThreads[String(threads)] = report.env.blas_threads;
    for (const r of report.results) {
      if (!sameResult(r.check, ref(r.id))) throw new Error(`peer check failed: numpy ${r.id} (${r.method}) differs from einconv`);
      add(r.id, r.impl === "scipy" ? "scipy" : "numpy", threads, r, r.method);
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

  const pool = children[0].threads.pool;
  const einconvThreads = children.map((ch) => ({ requested: ch.threads.requested, effective: ch.threads.effective, pool: ch.threads.pool }));
  const payload = { versions, numpy_blas_threads: numpyThreads, einconv_threads: einconvThreads, thread_mismatches: mismatched, rows: cells };
  console.log(formatTable(peerConsoleTable(payload)));
  console.log(`  threads: einconv EINCONV_THREADS=${EINCONV_THREAD_COUNTS.join(" and ")}${pool ? "" : " (no thread pool in this build: both ran 1 thread)"}; numpy OpenBLAS ${JSON.stringify(numpyThreads)}; onnxruntime intraOpNumThreads 1 and 2 (interOp 1); ${versions["@tensorflow/tfjs-backend-wasm"] ? `tfjs-backend-wasm ${versions["@tensorflow/tfjs-backend-wasm"]}` : "tfjs-wasm not run"}`);
  const file = writeResults("peers", meta, payload);
  console.log(`  -> ${file}`);
}
