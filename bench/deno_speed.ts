/**
 * `npm run bench:deno`: the B1 conv f64/f32 and 512³ matmul f64/f32 peer rows
 * (the same workloads and inputs as bench/peer_einconv.ts) under Node and
 * under Deno, in one run, one child process per runtime:
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

/** The Markdown table of one run: a row per workload, Node and Deno medians and their ratio. */
export function table(node: RuntimeReport, deno: RuntimeReport): string {
  const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
  const lines = [
    `| workload | Node median ms | Deno median ms | Deno / Node |`,
    `|---|---:|---:|---:|`,
    ...node.rows.map((n) => {
      const d = deno.rows.find((r) => r.workload === n.workload);
      return `| ${n.workload} | ${fmt(n.median_ms)} | ${d ? fmt(d.median_ms) : "-"} | ${d ? (d.median_ms / n.median_ms).toFixed(2) : "-"} |`;
    }),
  ];
  const who = (r: RuntimeReport): string => `${r.runtime}: ${r.threads} threads, backend ${r.backend}, kernel ${r.variant} (relaxed SIMD ${r.relaxedSimd ? "available" : "not available"})`;
  return [who(node), who(deno), "", ...lines].join("\n");
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
  process.stderr.write(`Deno child (${grid})\n`);
  const deno = runChild(denoBinary(), ["run", "-A", script, "--child", grid]);
  process.stdout.write(`${new Date().toISOString()}, grid ${grid}\n${table(node, deno)}\n`);
}

if (require.main === module) main(process.argv.slice(2));
