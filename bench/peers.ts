/**
 * Runs the numpy/scipy peers (bench/peers.py) as a child `python3` process with a JSON
 * job on stdin, and reads their JSON timings back. The peers run after einconv in the
 * same `npm run bench`, never concurrently with it, so the two do not share the cores.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { Checksum } from "./data";
import type { Timing } from "./timing";

/** An einsum operand: a plain tensor shape, or the CNN windows of an NCHW input (padded once, then viewed). */
export type PeerOperand =
  | { shape: number[] }
  | { windows: { input: number[]; kernel: number; padding: number; stride: number } };

/** One workload for peers.py; see its docstring for the meaning of each kind. */
export type PeerWorkload =
  | { id: string; kind: "einsum"; spec: string; operands: PeerOperand[]; variants: string[]; repeats?: number }
  | { id: string; kind: "conv"; n: number; f: number; depth: number; stride: number; methods: string[]; repeats?: number }
  | { id: string; kind: "nhwc"; input: number[]; filter: number[]; methods: string[]; repeats?: number };

/** The whole job sent on stdin. */
export interface PeerJob {
  repeats: number;
  warmup: number;
  budget_ms: number;
  workloads: PeerWorkload[];
}

/** One timing row printed by peers.py. */
export interface PeerRow extends Timing {
  id: string;
  impl: string;
  method: string;
  check: Checksum;
}

/** What peers.py reports about the Python side. */
export interface PeerEnv {
  python: string;
  numpy: string;
  scipy: string;
  blas_threads: { source: string; threads: number | number[] | string | null };
  OPENBLAS_NUM_THREADS: string | null;
  cpu_count: number;
  loadavg: number[];
}

/** peers.py's whole answer. */
export interface PeerReport {
  env: PeerEnv;
  results: PeerRow[];
}

/** Where peers.py lives: bench/ in the source tree (this file runs from dist/bench/). */
export const PEERS_SCRIPT = path.resolve(__dirname, "..", "..", "bench", "peers.py");

/**
 * Runs a job through peers.py. `singleThread` (or `threads: n`) sets OPENBLAS_NUM_THREADS (it must be
 * set before numpy loads, hence a separate process), for per-core comparisons with
 * einconv, which is single-threaded JavaScript.
 * Returns null, with the reason printed, when python3 or numpy/scipy are missing.
 */
export function runPeers(job: PeerJob, options: { singleThread?: boolean; threads?: number; python?: string } = {}): PeerReport | null {
  const env = { ...process.env };
  // The machine's env pins OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for einconv's own tooling; numpy is timed
  // with OpenBLAS's own kernel choice, so both are unset together, for this child process only.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const threads = options.threads ?? (options.singleThread ? 1 : undefined);
  if (threads !== undefined) {
    env.OPENBLAS_NUM_THREADS = String(threads);
    env.OMP_NUM_THREADS = String(threads);
  }
  const python = options.python ?? process.env.EINCONV_BENCH_PYTHON ?? "python3";
  const child = spawnSync(python, [PEERS_SCRIPT], {
    input: JSON.stringify(job),
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.error || child.status !== 0) {
    const why = child.error ? child.error.message : child.stderr.trim().split("\n").slice(-3).join(" | ");
    console.log(`  [peers skipped: ${python} ${PEERS_SCRIPT} failed: ${why}]`);
    return null;
  }
  return JSON.parse(child.stdout) as PeerReport;
}
