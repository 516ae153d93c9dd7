/**
 * Runs the seeds' "as posted" re-implementations (bench/seeds.py) as a child `python3` with a JSON
 * job on stdin and reads back their typed report. The Python docstring is the contract (job and row
 * fields, which seed claim each method serves); these types mirror it. Notebooks that cannot import
 * bench code can call the script the same way through `path.join(projectRoot, "bench", "seeds.py")`.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { Checksum } from "./data";

/** Fields any workload (or the whole job, as a default) may set. */
export interface SeedSettings {
  repeats?: number;
  warmup?: number;
  budget_ms?: number;
  /** One extra untimed call under tracemalloc (peak_bytes) and one for the process RSS. */
  measure_memory?: boolean;
  /** false: check (and measure memory) without timing. */
  time?: boolean;
  /** Skip a method whose predicted_peak_bytes (a rough formula) exceeds this (default 4e9). */
  max_bytes?: number;
}

export type SeedGridMethod =
  | "s000_fft" | "s000_submatrix" | "s000_strided"
  | "s003_asker_loop" | "s003_accepted" | "s003_fft_answer"
  | "peer_scipy_fft" | "peer_numpy_submatrix" | "peer_numpy_strided";
export type SeedNhwcMethod =
  | "s001_loops" | "s001_einsum_flipped" | "s001_einsum" | "s001_tensordot"
  | "s002_naive" | "s002_pertap"
  | "peer_numpy_pertap" | "peer_numpy_einsum_strided" | "peer_numpy_tensordot_strided";
export type SeedLayerMethod = "s004_forward" | "s004_backward";

/** Nested numbers, as the explicit inputs and `values` are sent. */
export type Nested = number | Nested[];

export interface SeedGridWorkload extends SeedSettings {
  id: string;
  kind: "grid";
  n?: number;
  f?: number;
  depth?: number;
  stride?: number;
  pad?: number;
  /** Non-square data [h, w] instead of n × n. */
  shape?: [number, number];
  input?: Nested[];
  kernel?: Nested[];
  methods?: SeedGridMethod[];
  return_values?: boolean;
}

export interface SeedNhwcWorkload extends SeedSettings {
  id: string;
  kind: "nhwc";
  input: [number, number, number, number];
  filter: [number, number, number, number];
  methods?: SeedNhwcMethod[];
  /** The Python-loop methods (s001_loops, s002_naive) run on the first `loop_batch` images only. */
  loop_batch?: number;
  return_values?: boolean;
}

export interface SeedLayerWorkload extends SeedSettings {
  id: string;
  kind: "layer";
  x: [number, number, number, number];
  out_channels: number;
  kernel: number;
  stride?: number;
  padding?: number;
  methods?: SeedLayerMethod[];
  return_values?: boolean;
}

export type SeedWorkload = SeedGridWorkload | SeedNhwcWorkload | SeedLayerWorkload;

export interface SeedJob extends SeedSettings {
  /** "demos": issue item 4's minimal demonstrations; "memory": n 384/512 memory peaks. */
  preset?: "demos" | "memory";
  workloads?: SeedWorkload[];
}

/** One gradient of 004's backward recipe against the correct one. */
export interface SeedGradCheck {
  shape: number[];
  max_abs_diff: number | null;
  matches_reference: boolean;
  /** dX entries that read memory past the padded gradient's end (undefined in the post). */
  undefined_outputs: number;
}

/** One row of seeds.py's report; optional fields belong to some kinds or flags only. */
export interface SeedRow {
  id: string;
  kind: "grid" | "nhwc" | "layer";
  seed: "000" | "001" | "002" | "003" | "004" | "peers";
  method: string;
  label: string;
  as_posted: boolean;
  reference: string;
  error: string | null;
  error_type: string | null;
  max_abs_diff: number | null;
  matches_reference: boolean;
  check?: Checksum;
  norm_diff?: number | null;
  shape_matches?: boolean;
  reference_shape?: number[];
  max_abs_diff_convolution?: number | null;
  overlap_max_abs_diff?: number | null;
  predicted_peak_bytes?: number;
  median_ms?: number;
  min_ms?: number;
  repeats?: number;
  cpu_ms?: number | null;
  batch?: number;
  single_call?: boolean;
  peak_bytes?: number;
  peak_rss_bytes?: number | null;
  baseline_rss_bytes?: number | null;
  values?: Nested;
  // grid
  n?: number;
  input_shape?: number[];
  kernel_shape?: number[];
  stride?: number;
  pad?: number;
  // nhwc
  filter_shape?: number[];
  timed_input?: number[];
  full_input?: number[];
  scale?: number;
  extrapolated_median_ms?: number;
  // layer
  x?: number[];
  out_channels?: number;
  kernel?: number;
  padding?: number;
  grads?: { db: SeedGradCheck; dw: SeedGradCheck; dx: SeedGradCheck };
  undefined_outputs?: number;
  window_overrun?: [number, number];
  reads_past_end?: number;
  reference_numerical_max_abs_diff?: number;
}

export interface SeedReport {
  script: string;
  version: number;
  env: {
    python: string; numpy: string; scipy: string; cpu_count: number; loadavg: number[];
    /** true when the job measured memory and glibc's mmap threshold was fixed for it (see seeds.py). */
    malloc_mmap_threshold_fixed: boolean;
    [key: string]: unknown;
  };
  results: SeedRow[];
}

/** Where seeds.py lives: bench/ in the source tree (this file runs from dist/bench/). */
export const SEEDS_SCRIPT = path.resolve(__dirname, "..", "..", "bench", "seeds.py");

/**
 * Runs a job through seeds.py with one BLAS thread by default (einconv is single-threaded).
 * Throws "bad seeds job: ..." (seeds.py's reason, naming workload and sizes) for a job it rejects, and
 * python's last stderr lines plus the install hint when python3, numpy or scipy is missing: unlike
 * runPeers, a caller that asked for the seeds' code wants to know it did not run.
 */
export function runSeeds(job: SeedJob, options: { threads?: number; python?: string } = {}): SeedReport {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const threads = String(options.threads ?? 1);
  env.OPENBLAS_NUM_THREADS = threads;
  env.OMP_NUM_THREADS = threads;
  const python = options.python ?? process.env.EINCONV_BENCH_PYTHON ?? "python3";
  const child = spawnSync(python, [SEEDS_SCRIPT], { input: JSON.stringify(job), env, encoding: "utf8", maxBuffer: 256 << 20 });
  if (child.status === 2) throw new Error(`bad seeds job: ${child.stderr.trim()}`); // seeds.py's exit code for a job it rejects
  if (child.error || child.status !== 0) {
    const why = child.error ? child.error.message : child.stderr.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`${python} ${SEEDS_SCRIPT} failed: ${why} (needs python3 with numpy and scipy: pip install numpy scipy)`);
  }
  return JSON.parse(child.stdout) as SeedReport;
}
