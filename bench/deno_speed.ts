/**
 * `npm run bench:deno`: the B1 conv f64/f32 and 512³ matmul f64/f32 peer rows
 * (the same workloads and inputs as bench/peer_einconv.ts) under Node and
 * under Deno, in one run, one child process per runtime (plus Node with relaxed SIMD
 * switched on when its default lacks it, to separate the FMA kernel from the engine):
 *
 *   node dist/bench/deno_speed.js [quick|default]        parent: runs both, prints the table
 *   node|deno run -A dist/bench/deno_speed.js --child G  child: prints one JSON report
 *
 * Deno runs the same compiled CommonJS from dist/ (the repository's deno.json
 * lets Deno treat it as CommonJS). Each child reports its runtime version, the
 * thread count einconv uses (`getThreads()`), and which wasm GEMM kernel the
 * default backend chose ("relaxed" = the relaxed-SIMD FMA kernel), so a slower
 * runtime shows whether it lost the FMA kernel or threads. Wall times on a
 * shared machine are noisy: the table is a record of this run, not a target.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { configFor, type GridSize } from "./config";
import { peerInputs } from "./peer_einconv";
import { PEER_WORKLOADS as W } from "./peer_ids";
import { timeCall, type Timing } from "./timing";
import * as lib from "../src/index";
import { defaultBackend } from "../src/compile/backend";
import { relaxedSimdSupported } from "../src/compile/wasm";

/** What one runtime's child prints. */
export interface RuntimeReport {
  runtime: string;
  threads: number;
  /** Name and GEMM kernel variant of einsum's default backend. */
  backend: string;
  variant: string;
  relaxedSimd: boolean;
  rows: Array<{ workload: string } & Timing>;
}

interface DenoGlobal {
  Deno?: { version: { deno: string; v8: string } };
}

function runtimeName(): string {
  const deno = (globalThis as DenoGlobal).Deno;
  return deno ? `Deno ${deno.version.deno} (V8 ${deno.version.v8})` : `Node ${process.version} (V8 ${process.versions.v8})`;
}

/** Times the four rows in this process. */
export function measure(grid: GridSize): RuntimeReport {
  const config = configFor(grid);
  const I = peerInputs();
  const backend = defaultBackend() as { name: string; variant?: string };
  const rows: RuntimeReport["rows"] = [];
  const time = (workload: string, fn: () => unknown): void => {
    fn(); // first call outside timing: wasm compile, thread pool start, JIT
    rows.push({ workload, ...timeCall(fn, config.timing).timing });
    process.stderr.write(".");
  };
  time(W.convF64, () => lib.einsum("bihwkl,oikl->bohw", I.win, I.wt));
  time(W.convF32, () => lib.einsum("bihwkl,oikl->bohw", I.win32, I.wt32));
  time(W.mmF64, () => lib.einsum("ij,jk->ik", I.a, I.bm));
  time(W.mmF32, () => lib.einsum("ij,jk->ik", I.a32, I.b32));
  process.stderr.write("\n");
  return { runtime: runtimeName(), threads: lib.getThreads(), backend: backend.name, variant: backend.variant ?? "-", relaxedSimd: relaxedSimdSupported(), rows };
}

const ROOT = path.resolve(__dirname, "..", "..");

function denoBinary(): string {
  const exe = path.join(ROOT, "node_modules", "deno", process.platform === "win32" ? "deno.exe" : "deno");
  if (!fs.existsSync(exe)) throw new Error(`Deno is not installed (${exe}); run npm ci (deno is a pinned devDependency)`);
  return exe;
}

function runChild(cmd: string, args: string[]): RuntimeReport {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as RuntimeReport;
}

/**
 * The Markdown table of one run: a row per workload, the medians of Node, Node with
 * relaxed SIMD switched on (Node 20 needs the flag; it isolates the FMA kernel's share
 * of any Deno difference) and Deno, and Deno / Node.
 */
export function table(node: RuntimeReport, nodeRelaxed: RuntimeReport | undefined, deno: RuntimeReport): string {
  const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
  const at = (r: RuntimeReport | undefined, w: string) => r?.rows.find((x) => x.workload === w);
  // Wall median, and the process's CPU time (all threads) in parentheses: on a loaded machine the
  // CPU time is the steadier measure of work, as it leaves out time other processes held the cores.
  const both = (t: Timing | undefined): string => (t ? `${fmt(t.median_ms)}${t.cpu_ms !== undefined ? ` (${fmt(t.cpu_ms)})` : ""}` : "-");
  const ratio = (a: number | undefined, b: number | undefined): string => (a !== undefined && b !== undefined ? (a / b).toFixed(2) : "-");
  const lines = [
    `| workload | Node ms (CPU ms) | Node + relaxed SIMD ms (CPU) | Deno ms (CPU) | Deno / Node wall | Deno / Node CPU |`,
    `|---|---:|---:|---:|---:|---:|`,
    ...node.rows.map((n) => {
      const d = at(deno, n.workload);
      return `| ${n.workload} | ${both(n)} | ${both(at(nodeRelaxed, n.workload))} | ${both(d)} | ${ratio(d?.median_ms, n.median_ms)} | ${ratio(d?.cpu_ms, n.cpu_ms)} |`;
    }),
  ];
  const who = (label: string, r: RuntimeReport): string =>
    `${label}${r.runtime}: ${r.threads} threads, backend ${r.backend}, kernel ${r.variant} (relaxed SIMD ${r.relaxedSimd ? "available" : "not available"})`;
  return [who("", node), ...(nodeRelaxed ? [who("--experimental-wasm-relaxed-simd: ", nodeRelaxed)] : []), who("", deno), "", ...lines].join("\n");
}

function main(argv: string[]): void {
  if (argv[0] === "--child") {
    process.stdout.write(JSON.stringify(measure((argv[1] ?? "quick") as GridSize)) + "\n");
    return;
  }
  const grid = (argv[0] ?? "quick") as GridSize;
  if (!["quick", "default", "full"].includes(grid)) throw new Error(`usage: node dist/bench/deno_speed.js [quick|default|full], got ${argv[0]}`);
  const script = path.join(ROOT, "dist", "bench", "deno_speed.js");
  process.stderr.write(`Node child (${grid})\n`);
  const node = runChild(process.execPath, [script, "--child", grid]);
  // Node 22+ has relaxed SIMD on by default: then the plain run already is the relaxed one.
  let nodeRelaxed: RuntimeReport | undefined;
  if (!node.relaxedSimd) {
    process.stderr.write(`Node child with --experimental-wasm-relaxed-simd (${grid})\n`);
    nodeRelaxed = runChild(process.execPath, ["--experimental-wasm-relaxed-simd", script, "--child", grid]);
  }
  process.stderr.write(`Deno child (${grid})\n`);
  const deno = runChild(denoBinary(), ["run", "-A", script, "--child", grid]);
  const load = fs.existsSync("/proc/loadavg") ? `, load average ${fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}` : "";
  process.stdout.write(`${new Date().toISOString()}, grid ${grid}${load}\n${table(node, nodeRelaxed, deno)}\n`);
}

if (require.main === module) main(process.argv.slice(2));
