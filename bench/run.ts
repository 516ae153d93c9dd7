/**
 * `npm run bench`: einconv against numpy/scipy (through python3, bench/peers.py) and,
 * when installed, tfjs, in one run. Prints tables of times and ratios and writes JSON to
 * bench/results/ (einsum.json, conv_grids.json, article.json) for the notebooks.
 *
 *   node dist/bench/run.js [--only einsum|conv|article|peers] [--quick | --full] [--costs auto_fit.json] [--no-peers-install]
 *
 * `peers` is issue 10's peer table (bench/peer_table.ts); its heavy peers are installed on
 * first use into a cache folder outside the repo (bench/peers_install.ts) unless
 * `--no-peers-install` is given (or EINCONV_BENCH_NO_PEERS_INSTALL=1).
 *
 * `--costs` runs the conv grids' `auto` with the constants fitted by fit_auto.js (the
 * `fitted` record of an auto_fit.json) instead of DEFAULT_CONV_COSTS, to measure them.
 * --quick is a smoke run for CI (small grids, few repeats, under a minute); --full runs
 * the large convolution grids (n up to 512; it takes a long time). Run on a quiet machine:
 * every section records the load average next to its numbers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import type { ConvCostConstants } from "../src/conv";
import { runArticleSuite } from "./article_suite";
import { configFor, type GridSize } from "./config";
import { runConvSuite } from "./conv_suite";
import { runEinsumSuite } from "./einsum_suite";
import { runPeerTable } from "./peer_table";
import { loadLine } from "./results";
import { loadTfjs } from "./tfjs";
import { runMain } from "./cli";

const SECTIONS = ["einsum", "conv", "article", "peers"] as const;
type Section = (typeof SECTIONS)[number];

/** Parsed command line. */
export interface BenchArgs {
  sections: Section[];
  grid: GridSize;
  /** auto_fit.json whose fitted constants `auto` should use. */
  costsFile?: string;
  /** Whether the heavy peers (onnxruntime-node, tfjs-backend-wasm) may be installed into their cache folder. */
  peersInstall: boolean;
}

/** Parses the flags; throws with a usage line on anything unknown. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const usage = "usage: node dist/bench/run.js [--only einsum|conv|article|peers] [--quick | --full] [--costs auto_fit.json] [--no-peers-install]";
  let sections: Section[] = [...SECTIONS];
  let grid: GridSize = "default";
  let costsFile: string | undefined;
  let peersInstall = !process.env.EINCONV_BENCH_NO_PEERS_INSTALL;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick" || arg === "--full") {
      grid = arg === "--quick" ? "quick" : "full";
    } else if (arg === "--only" || arg.startsWith("--only=")) {
      const value = arg === "--only" ? argv[++i] : arg.slice("--only=".length);
      const wanted = (value ?? "").split(",");
      const bad = wanted.filter((s) => !(SECTIONS as readonly string[]).includes(s));
      if (bad.length || !value) throw new Error(`unknown section ${JSON.stringify(value)}\n${usage}`);
      sections = wanted as Section[];
    } else if (arg === "--costs") {
      costsFile = argv[++i];
      if (!costsFile) throw new Error(`--costs needs a file\n${usage}`);
    } else if (arg === "--no-peers-install") {
      peersInstall = false;
    } else if (arg === "--help" || arg === "-h") {
      console.log(usage);
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)}\n${usage}`);
    }
  }
  return { sections, grid, costsFile, peersInstall };
}

/** The `fitted` constants of an auto_fit.json. */
function loadCosts(file: string): ConvCostConstants {
  const record = JSON.parse(fs.readFileSync(file, "utf8")) as { fitted?: ConvCostConstants };
  if (!record.fitted) throw new Error(`${file} has no "fitted" constants (expected an auto_fit.json from fit_auto.js)`);
  return record.fitted;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = configFor(args.grid);
  const started = Date.now();
  console.log(`einconv bench (${args.grid} grid): node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}`);
  const jsPeer = args.sections.some((s) => s === "einsum" || s === "article") ? await loadTfjs() : null;
  for (const section of args.sections) {
    const t0 = Date.now();
    console.log(`\n== ${section} (load average ${loadLine()})`);
    if (section === "einsum") await runEinsumSuite(config, jsPeer);
    if (section === "conv") await runConvSuite(config, args.costsFile ? loadCosts(args.costsFile) : undefined);
    if (section === "article") await runArticleSuite(config, jsPeer);
    if (section === "peers") await runPeerTable(config, { install: args.peersInstall });
    console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s, load average ${loadLine()})`);
  }
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) runMain(main);
