/**
 * Where the time of one peer-table workload goes: after a warm-up, runs it in a loop under
 * V8's sampling profiler (the inspector's Profiler, so no perf or hardware counters are
 * needed) and prints the calling thread's self time per function, grouped by what it does.
 *
 *   node dist/bench/profile.js b1f64|b1f32|mm64|mm32|dw|nhwc [--seconds 4] [--threads 1] [--json file]
 *
 * The instruction mix of the micro-kernels it reports is read from `gemm.wat` (the text the
 * kernels are built from): per k step, the loads, broadcasts, multiplies and adds of one
 * MR×NR tile, and the flops they do. bench/README.md ("Profiles and ceilings") has the
 * measured results and the machine-code mix from `perf annotate`.
 */
import * as fs from "node:fs";
import * as inspector from "node:inspector";
import * as os from "node:os";
import * as path from "node:path";
import { runMain } from "./cli";
import { B1 } from "./peer_ids";
import { peerInputs } from "./peer_einconv";
import * as lib from "../src/index";
import { conv2dNHWCPerTap } from "../src/conv";
import type { Tensor } from "../src/types";

/** The workloads this script can profile (the peer table's ids, short). */
const WORKLOADS: Record<string, { what: string; flops: number; run: (I: ReturnType<typeof peerInputs>) => Tensor }> = {
  b1f64: { what: "B1 conv forward f64 (prebuilt window view)", flops: b1Flops(), run: (I) => lib.einsum("bihwkl,oikl->bohw", I.win, I.wt) },
  b1f32: { what: "B1 conv forward f32", flops: b1Flops(), run: (I) => lib.einsum("bihwkl,oikl->bohw", I.win32, I.wt32) },
  mm64: { what: "matmul 512³ f64", flops: 2 * 512 ** 3, run: (I) => lib.einsum("ij,jk->ik", I.a, I.bm) },
  mm32: { what: "matmul 512³ f32", flops: 2 * 512 ** 3, run: (I) => lib.einsum("ij,jk->ik", I.a32, I.b32) },
  dw: { what: "dW einsum f64", flops: b1Flops(), run: (I) => lib.einsum("bihwkl,bohw->oikl", I.win, I.dy) },
  nhwc: { what: "NHWC per-tap", flops: 2 * 100 * 30 * 30 * 9 * 3 * 16, run: (I) => conv2dNHWCPerTap(I.nx, I.nw) },
};

function b1Flops(): number {
  const [b, c, h, w] = B1.input;
  return 2 * b * B1.out * h * w * c * B1.kernel * B1.kernel;
}

/** One function's share of the samples. */
export interface ProfileRow {
  name: string;
  /** What the function does (see {@link categoryOf}). */
  category: string;
  selfMs: number;
  share: number;
}

/** The parts of a V8 `.cpuprofile` this script reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
}

/** gemm.wat's functions in index order (V8's profile names internal ones `wasm-function[i]`). */
export const GEMM_FUNCTIONS: readonly string[] = ["$micro", "block", "$micro32", "block32", "pack32", "pack", "gemv"];

/** The functions of a .wat text in index order: `$name` or the export name. */
export function watFunctions(wat: string): string[] {
  return [...wat.matchAll(/^\s*\(func (?:(\$\w+)|\(export "(\w+)"\))/gm)].map((m) => m[1] ?? m[2]);
}

/**
 * A function's role in a GEMM-shaped call. Wasm functions are named from gemm.wat's
 * exports (`block`, `pack`, ...) or by index when internal (`$micro` is function 0 of the module).
 */
export function categoryOf(name: string, url: string): string {
  if (name === "(garbage collector)") return "gc";
  if (name === "(idle)" || name === "(program)" || name === "(root)") return "runtime";
  if (url.startsWith("wasm://")) {
    // Unnamed functions by index, in gemm.wat's order (GEMM_FUNCTIONS; a test keeps the two in step).
    const index = /^wasm-function\[(\d+)\]$/.exec(name);
    const fn = index ? GEMM_FUNCTIONS[Number(index[1])] ?? name : name;
    if (/^\$?(block|block32|micro|micro32)$/.test(fn)) return "wasm micro/macro-kernel";
    if (/pack/.test(fn)) return "wasm pack";
    if (/gemv/.test(fn)) return "wasm gemv";
    return "wasm other";
  }
  if (name === "prefault" || name === "faultInZeros") return "output page faults";
  if (/^scatter|^touch$/.test(name)) return "C write-back (JS)";
  if (/pack|gather|stage/i.test(name)) return "pack/stage (JS)";
  if (/smallK|small/i.test(name)) return "small-K kernel (generated JS)";
  return "other JS";
}

/** Self time per function of one profile, largest first. */
export function selfTimes(profile: CpuProfile): ProfileRow[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, { category: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const dt = profile.timeDeltas[i] ?? 0;
    const { functionName, url } = node.callFrame;
    const name = functionName || "(anonymous)";
    const key = `${name}\u0000${url}`;
    const row = ms.get(key) ?? { category: categoryOf(name, url), us: 0 };
    row.us += dt;
    ms.set(key, row);
    total += dt;
  });
  return [...ms.entries()]
    .map(([key, r]) => ({ name: key.split("\u0000")[0], category: r.category, selfMs: r.us / 1000, share: total > 0 ? r.us / total : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

/** Instruction counts per k step of one micro-kernel loop body in gemm.wat. */
export interface KernelMix {
  kernel: string;
  loads: number;
  splats: number;
  muls: number;
  adds: number;
  /** Multiply-adds the relaxed variant fuses (lines marked `;; madd`). */
  madds: number;
  /** Floating-point operations one k step does (2 per multiply-add and lane). */
  flops: number;
}

/** Counts the SIMD instructions of `$micro` and `$micro32`'s k loops in gemm.wat's text. */
export function kernelMix(wat: string): KernelMix[] {
  const out: KernelMix[] = [];
  for (const [kernel, lanes] of [["$micro", 2], ["$micro32", 4]] as const) {
    const start = wat.indexOf(`(func ${kernel} `);
    if (start < 0) throw new Error(`gemm.wat has no ${kernel}`);
    const loop = wat.indexOf("(loop", start);
    const end = wat.indexOf("(br_if", loop);
    const body = wat.slice(loop, end);
    const count = (re: RegExp) => (body.match(re) ?? []).length;
    const madds = count(/;; madd/g);
    out.push({
      kernel,
      loads: count(/v128\.load\b(?!\d)/g),
      splats: count(/load(32|64)_splat/g),
      muls: count(/f(64x2|32x4)\.mul/g),
      adds: count(/f(64x2|32x4)\.add/g),
      madds,
      flops: 2 * lanes * madds,
    });
  }
  return out;
}

interface Options {
  workload: string;
  seconds: number;
  threads: number;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { workload: "", seconds: 4, threads: 1, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--seconds") o.seconds = Number(value());
    else if (a === "--threads") o.threads = Number(value());
    else if (a === "--json") o.json = value();
    else if (!a.startsWith("--") && !o.workload) o.workload = a;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(o.workload in WORKLOADS)) throw new Error(`usage: node dist/bench/profile.js ${Object.keys(WORKLOADS).join("|")} [--seconds S] [--threads N] [--json file] (got ${JSON.stringify(o.workload)})`);
  if (!(o.seconds > 0)) throw new Error(`--seconds must be positive, got ${o.seconds}`);
  if (!Number.isInteger(o.threads) || o.threads < 1) throw new Error(`--threads must be a positive integer, got ${o.threads}`);
  return o;
}

/** Sends one inspector command and resolves with its result. */
function post<T>(session: inspector.Session, method: string): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result as T))));
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const w = WORKLOADS[o.workload];
  lib.setThreads(o.threads);
  const I = peerInputs();
  for (let i = 0; i < 3; i++) w.run(I); // warm-up: JIT, caches, workers started — outside the profile
  const session = new inspector.Session();
  session.connect();
  await post(session, "Profiler.enable");
  await post(session, "Profiler.start");
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < o.seconds * 1000) {
    w.run(I);
    calls++;
  }
  const msPerCall = (performance.now() - t0) / calls;
  const { profile } = await post<{ profile: CpuProfile }>(session, "Profiler.stop");
  session.disconnect();
  lib.setThreads(1); // terminates the workers
  const rows = selfTimes(profile);
  const wat = fs.readFileSync(path.join(__dirname, "..", "..", "src", "compile", "wasm", "gemm.wat"), "utf8");
  const mix = kernelMix(wat);

  console.log(`${w.what}: ${calls} calls, ${msPerCall.toFixed(2)} ms per call, ${(w.flops / msPerCall / 1e6).toFixed(1)} GFLOP/s, ${o.threads} thread(s), load ${os.loadavg()[0].toFixed(2)}`);
  console.log("\nself time on the calling thread by category (workers are not sampled):");
  const cats = new Map<string, number>();
  for (const r of rows) cats.set(r.category, (cats.get(r.category) ?? 0) + r.share);
  for (const [c, s] of [...cats.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${(100 * s).toFixed(1).padStart(5)}%  ${c}`);
  console.log("\ntop functions:");
  for (const r of rows.slice(0, 12)) console.log(`  ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.selfMs.toFixed(0).padStart(7)} ms  ${r.name}  [${r.category}]`);
  console.log("\nmicro-kernel k step (gemm.wat):");
  for (const m of mix) console.log(`  ${m.kernel}: ${m.loads} v128 loads, ${m.splats} broadcast loads, ${m.muls} mul + ${m.adds} add (${m.madds} fused by the relaxed variant) for ${m.flops} flops`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ workload: o.workload, threads: o.threads, calls, msPerCall, rows, mix }, null, 2) + "\n");
}

if (require.main === module) runMain(main);
