/**
 * The article's (seed 002) NHWC comparison: input (100, 32, 32, 3), filters (3, 3, 3, 16),
 * stride 1, valid. einconv's window-view + tensordot, per-tap matmul and naive 7-loop
 * versions against numpy's per-tap matmul and einsum/tensordot on an as_strided view
 * (default BLAS threads and one thread), and tfjs's conv2d when installed.
 *
 * The naive loops take seconds: they are timed once on the first few images and the
 * time is scaled to the whole batch (the row says so with `extrapolated_from`).
 */
import type { BenchConfig } from "./config";
import { checksum, ramp, sameResult, sameSums, type Checksum } from "./data";
import { conv2dNHWC, conv2dNHWCNaive, conv2dNHWCPerTap } from "../src/conv";
import { runPeers } from "./peers";
import { startMeta, writeResults } from "./results";
import { formatTable, ms, ratio } from "./table";
import type { JsPeer } from "./tfjs";
import { einconvThreads } from "./threads";
import { timeCall, type Timing } from "./timing";

const INPUT = [100, 32, 32, 3];
const FILTER = [3, 3, 3, 16];

/** What the article measured on its machine (wall time, ms), for context only. */
const ARTICLE_REPORTED_MS = { "tf.nn.conv2d (TensorFlow)": 18, "per-tap matmul (numpy)": 59.8, "naive 7 loops (python)": 45400 };

/** A row of article.json. */
export interface ArticleRow extends Timing {
  impl: "einconv" | "numpy" | "tfjs";
  method: string;
  threads: string;
  /** Images actually timed when the time was scaled up to the batch of 100. */
  extrapolated_from?: number;
  agrees: boolean | null;
}

/** Runs the article comparison, prints its table and writes bench/results/article.json. */
export async function runArticleSuite(config: BenchConfig, jsPeer: JsPeer | null): Promise<void> {
  const meta = startMeta(config.grid);
  const rows: ArticleRow[] = [];
  const checks = new Map<string, Checksum>();
  const x = ramp(INPUT, 0);
  const w = ramp(FILTER, 17);

  for (const [method, fn] of [["conv2dNHWC (window view + tensordot)", conv2dNHWC], ["conv2dNHWCPerTap (per-tap matmul)", conv2dNHWCPerTap]] as const) {
    const { timing, result } = timeCall(() => fn(x, w), config.timing);
    checks.set(`einconv|${method}`, checksum(result));
    rows.push({ impl: "einconv", method, threads: String(einconvThreads().effective), ...timing, agrees: null });
  }
  // Naive loops: the first `images` images once, scaled to the batch; checked against the fast version on the same images.
  const images = config.grid === "full" ? 10 : 2;
  const xs = ramp([images, ...INPUT.slice(1)], 0); // the ramp's first images, since it is row-major
  const { timing, result } = timeCall(() => conv2dNHWCNaive(xs, w), config.slowTiming);
  const scale = INPUT[0] / images;
  const naiveOk = sameResult(checksum(result), checksum(conv2dNHWC(xs, w)));
  rows.push({
    impl: "einconv",
    method: "conv2dNHWCNaive (7 loops)",
    threads: "1",
    median_ms: timing.median_ms * scale,
    min_ms: timing.min_ms * scale,
    repeats: timing.repeats,
    extrapolated_from: images,
    agrees: naiveOk,
  });

  if (jsPeer) {
    const { timing, check } = jsPeer.nhwc(INPUT, FILTER, config.timing);
    checks.set("tfjs", check);
    rows.push({ impl: "tfjs", method: `tf.conv2d (${jsPeer.name})`, threads: "1", ...timing, agrees: null });
  }

  const job = { repeats: config.timing.repeats, warmup: config.timing.warmup, budget_ms: config.timing.budgetMs, workloads: [{ id: "article", kind: "nhwc" as const, input: INPUT, filter: FILTER, methods: ["numpy_pertap", "numpy_einsum_strided", "numpy_tensordot_strided"] }] };
  const peerEnv: Record<string, unknown> = {};
  for (const singleThread of [false, true]) {
    const report = runPeers(job, { singleThread });
    if (!report) continue;
    peerEnv[singleThread ? "single" : "default"] = report.env;
    for (const r of report.results) {
      rows.push({ impl: "numpy", method: r.method, threads: singleThread ? "1" : `default (${String(report.env.blas_threads.threads)})`, median_ms: r.median_ms, min_ms: r.min_ms, repeats: r.repeats, cpu_ms: r.cpu_ms, batch: r.batch, agrees: null });
      checks.set("numpy", r.check);
    }
  }
  const reference = checks.get("numpy");
  for (const row of rows) {
    const mine = row.impl === "einconv" ? checks.get(`einconv|${row.method}`) : row.impl === "tfjs" ? checks.get("tfjs") : undefined;
    if (mine && reference) row.agrees = row.impl === "tfjs" ? sameSums(mine, reference, 1e-4) : sameResult(mine, reference);
  }

  console.log(formatTable(articleTable(rows)));
  const file = writeResults("article", meta, { input: INPUT, filter: FILTER, numpy: peerEnv, article_reported_ms: ARTICLE_REPORTED_MS, rows });
  console.log(`  -> ${file}`);
}

function articleTable(rows: ArticleRow[]) {
  const np = (method: string, threads: string) => rows.find((r) => r.impl === "numpy" && r.method === method && r.threads.startsWith(threads))?.median_ms;
  const best = (keep: (r: ArticleRow) => boolean) => {
    const times = rows.filter((r) => r.impl === "numpy" && keep(r)).map((r) => r.median_ms);
    return times.length ? Math.min(...times) : undefined;
  };
  const npBest = best((r) => r.threads.startsWith("default"));
  const npBest1 = best((r) => r.threads === "1");
  const pertap = np("numpy_pertap", "default");
  return {
    title: "article (100,32,32,3) x (3,3,3,16) NHWC, stride 1, valid: median ms; ratios = row time / numpy time",
    header: ["impl", "method", "threads", "median ms", "vs np per-tap", "vs np best", "vs np best 1thr", "check"],
    rows: rows.map((r) => [
      r.impl,
      r.method + (r.extrapolated_from ? ` [${r.extrapolated_from} images x${100 / r.extrapolated_from}]` : ""),
      r.threads,
      ms(r.median_ms),
      ratio(r.median_ms / pertap!),
      ratio(npBest && r.median_ms / npBest),
      ratio(npBest1 && r.median_ms / npBest1),
      r.agrees === true ? "ok" : r.agrees === false ? "DIFF" : "—",
    ]),
  };
}
