/**
 * Issue #2's einsum workloads: einconv against numpy's einsum with optimize=False and
 * optimize=True (numpy at its default BLAS threading, and again with one BLAS thread
 * for a per-core view, since einconv is single-threaded JavaScript).
 *
 * Operands are built before timing on both sides; for the windowed convolution the
 * padded copy and the window view are made once, outside the timed call, so both
 * sides time the contraction alone.
 */
import type { BenchConfig } from "./config";
import { checksum, ramp, sameResult, sameSums, type Checksum } from "./data";
import { runPeers, type PeerEnv, type PeerOperand, type PeerRow } from "./peers";
import { startMeta, writeResults } from "./results";
import { formatTable, ms, ratio } from "./table";
import type { JsPeer } from "./tfjs";
import { einconvThreads, warmThreadedPaths } from "./threads";
import { timeCall, type Timing } from "./timing";
import { einsum, windows, type EinsumOptions, type Tensor } from "../src/index";

/** One einsum workload. */
export interface EinsumWorkload {
  id: string;
  spec: string;
  operands: PeerOperand[];
  /** Multiply-adds x 2 of the contraction, for GFLOP/s (omitted where the count depends on the path). */
  flops?: number;
  /** einconv option sets to time, by name. */
  einconv: Record<string, EinsumOptions>;
}

const CONV_LAYER = { input: [32, 16, 64, 64], kernel: 3, padding: 1, stride: 1 };

/** The workloads of issue #2. */
export function einsumWorkloads(): EinsumWorkload[] {
  const mm = (n: number): EinsumWorkload => ({
    id: `matmul ${n}^3`,
    spec: "ij,jk->ik",
    operands: [{ shape: [n, n] }, { shape: [n, n] }],
    flops: 2 * n ** 3,
    einconv: { default: {} },
  });
  const [b, c, h, w] = CONV_LAYER.input;
  const o = 32;
  const k = CONV_LAYER.kernel;
  const convFlops = 2 * b * o * h * w * c * k * k; // stride 1, "same" padding: H' = H, W' = W
  return [
    mm(256),
    mm(512),
    {
      id: "batched matmul 32x128^3",
      spec: "bij,bjk->bik",
      operands: [{ shape: [32, 128, 128] }, { shape: [32, 128, 128] }],
      flops: 2 * 32 * 128 ** 3,
      einconv: { default: {} },
    },
    {
      id: "conv forward B32 C16 64x64 O32 K3 p1",
      spec: "bihwkl,oikl->bohw",
      operands: [{ windows: CONV_LAYER }, { shape: [o, c, k, k] }],
      flops: convFlops,
      einconv: { default: {} },
    },
    {
      id: "conv dW B32 C16 64x64 O32 K3 p1",
      spec: "bihwkl,bohw->oikl",
      operands: [{ windows: CONV_LAYER }, { shape: [b, o, h, w] }],
      flops: convFlops,
      einconv: { default: {} },
    },
    {
      id: "5 operands, dims 10",
      spec: "ea,fb,abcd,gc,hd->efgh",
      operands: [{ shape: [10, 10] }, { shape: [10, 10] }, { shape: [10, 10, 10, 10] }, { shape: [10, 10] }, { shape: [10, 10] }],
      einconv: { default: {}, "optimize:false": { optimize: false } },
    },
  ];
}

/** A result row of einsum.json. */
export interface EinsumRow extends Timing {
  id: string;
  spec: string;
  impl: "einconv" | "numpy" | "tfjs";
  /** einconv option set, numpy variant ("einsum optimize=True"), or the JS peer's op. */
  method: string;
  /** BLAS threads of the numpy process ("default" = numpy's own choice; see meta.numpy). */
  threads: string;
  gflops: number | null;
  /** Whether the result matched numpy's (null when there was nothing to compare with). */
  agrees: boolean | null;
}

function makeOperands(operands: PeerOperand[]): Tensor[] {
  return operands.map((op, k) => {
    if ("shape" in op) return ramp(op.shape, 17 * k);
    const w = op.windows;
    return windows(ramp(w.input, 17 * k), { kernel: w.kernel, padding: w.padding, stride: w.stride });
  });
}

/** Runs the einsum suite, prints its table and writes bench/results/einsum.json. */
export async function runEinsumSuite(config: BenchConfig, jsPeer: JsPeer | null): Promise<void> {
  const meta = startMeta(config.grid);
  const workloads = einsumWorkloads();
  const rows: EinsumRow[] = [];
  const checks = new Map<string, Checksum>();
  warmThreadedPaths(); // the workers' first-use compile, outside every row's timing

  for (const wl of workloads) {
    const operands = makeOperands(wl.operands);
    for (const [name, options] of Object.entries(wl.einconv)) {
      const { timing, result } = timeCall(() => einsum(wl.spec, ...operands, options), config.timing);
      checks.set(`${wl.id}|einconv|${name}`, checksum(result));
      rows.push({ id: wl.id, spec: wl.spec, impl: "einconv", method: name, threads: String(einconvThreads().effective), ...timing, gflops: gflops(wl, timing), agrees: null });
    }
    process.stdout.write(".");
  }
  process.stdout.write("\n");

  if (jsPeer) {
    for (const r of jsPeer.einsum(workloads, config.timing)) {
      const wl = workloads.find((w) => w.id === r.id)!;
      checks.set(`${r.id}|tfjs`, r.check);
      rows.push({ id: r.id, spec: wl.spec, impl: "tfjs", method: r.method, threads: "1", ...r.timing, gflops: gflops(wl, r.timing), agrees: null });
    }
  }

  const job = (variants: string[]) => ({
    repeats: config.timing.repeats,
    warmup: config.timing.warmup,
    budget_ms: config.timing.budgetMs,
    workloads: workloads.map((wl) => ({ id: wl.id, kind: "einsum" as const, spec: wl.spec, operands: wl.operands, variants })),
  });
  // numpy's optimize=False path is its own C loop (no BLAS), so only optimize=True needs the one-thread rerun.
  const numpyEnv: Record<string, PeerEnv> = {};
  const peerRuns: Array<{ threads: string; rows: PeerRow[] }> = [];
  const multi = runPeers(job(["optimize=False", "optimize=True"]));
  if (multi) {
    numpyEnv.default = multi.env;
    peerRuns.push({ threads: `default (${String(multi.env.blas_threads.threads)})`, rows: multi.results });
  }
  const single = runPeers(job(["optimize=True"]), { singleThread: true });
  if (single) {
    numpyEnv.single = single.env;
    peerRuns.push({ threads: "1", rows: single.results });
  }
  for (const run of peerRuns) {
    for (const r of run.rows) {
      const wl = workloads.find((w) => w.id === r.id)!;
      rows.push({ id: r.id, spec: wl.spec, impl: "numpy", method: r.method, threads: run.threads, median_ms: r.median_ms, min_ms: r.min_ms, repeats: r.repeats, cpu_ms: r.cpu_ms, batch: r.batch, gflops: gflops(wl, r), agrees: null });
      if (!checks.has(`${r.id}|numpy`)) checks.set(`${r.id}|numpy`, r.check);
    }
  }
  // Every einconv result is compared with numpy's; tfjs's (float32, its own layout) by sums only.
  for (const row of rows) {
    const theirs = checks.get(`${row.id}|numpy`);
    if (row.impl === "einconv") {
      const mine = checks.get(`${row.id}|einconv|${row.method}`);
      row.agrees = mine && theirs ? sameResult(mine, theirs) : null;
    } else if (row.impl === "tfjs") {
      const mine = checks.get(`${row.id}|tfjs`);
      row.agrees = mine && theirs ? sameSums(mine, theirs, 1e-4) : null;
    }
  }

  console.log(formatTable(einsumTable(workloads, rows)));
  const bad = rows.filter((r) => r.agrees === false);
  if (bad.length) console.log(`  WARNING: results differ from numpy's: ${bad.map((r) => `${r.impl} ${r.id} (${r.method})`).join(", ")}`);
  if (jsPeer) console.log(`  tfjs column: ${jsPeer.name}`);
  const file = writeResults("einsum", meta, { numpy: numpyEnv, rows });
  console.log(`  -> ${file}`);
}

function gflops(wl: EinsumWorkload, t: Timing): number | null {
  return wl.flops ? Number((wl.flops / (t.median_ms * 1e6)).toFixed(3)) : null;
}

function einsumTable(workloads: EinsumWorkload[], rows: EinsumRow[]) {
  const find = (id: string, impl: string, method: string, threads?: string) =>
    rows.find((r) => r.id === id && r.impl === impl && r.method === method && (threads === undefined || r.threads.startsWith(threads)));
  const body: string[][] = [];
  for (const wl of workloads) {
    const npF = find(wl.id, "numpy", "einsum optimize=False", "default");
    const npT = find(wl.id, "numpy", "einsum optimize=True", "default");
    const np1 = find(wl.id, "numpy", "einsum optimize=True", "1");
    const tf = rows.find((r) => r.id === wl.id && r.impl === "tfjs");
    for (const name of Object.keys(wl.einconv)) {
      const mine = find(wl.id, "einconv", name);
      const t = mine?.median_ms;
      body.push([
        wl.id,
        name,
        ms(t),
        mine?.gflops != null ? mine.gflops.toFixed(2) : "—",
        mine?.agrees === true ? "ok" : mine?.agrees === false ? "DIFF" : "—",
        ms(npF?.median_ms),
        ms(npT?.median_ms),
        ms(np1?.median_ms),
        ratio(t! / npF?.median_ms!),
        ratio(t! / npT?.median_ms!),
        ratio(t! / np1?.median_ms!),
        ratio(mine?.cpu_ms! / np1?.cpu_ms!),
        tf ? `${ms(tf.median_ms)} (${ratio(t! / tf.median_ms)})` : "—",
      ]);
    }
  }
  return {
    title:
      "einsum: median wall ms; ratio = einconv time / peer time (< 1 means einconv is faster); " +
      "'same, CPU time' compares process CPU times, which other load on the machine disturbs less",
    header: ["workload", "einconv opts", "einconv", "GFLOP/s", "check", "np opt=F", "np opt=T", "np opt=T 1thr", "vs opt=F", "vs opt=T", "vs opt=T 1thr", "same, CPU time", "tfjs f32 (ratio)"],
    rows: body,
  };
}
