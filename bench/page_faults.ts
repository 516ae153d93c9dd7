/**
 * What it costs to first touch a fresh result-sized buffer, in Node and in numpy (the
 * "output page faults" of bench/profile.ts; bench/README.md "Profiles and ceilings"):
 *
 *   node dist/bench/page_faults.js [--mib 32] [--repeats 9]
 *
 * - Node, write: a fresh Float64Array with one element per 4 KiB page written (one fault
 *   per page; what einconv's `faultInZeros` does to a fresh result);
 * - Node, read then write: the same with `a[i] = a[i]`, as an accumulating kernel's first
 *   `c[i] += x` does (the read maps the shared zero page, the write faults again);
 * - numpy, write: `np.empty` of the same size and one element per page written. numpy asks
 *   the kernel for transparent huge pages on allocations of 4 MiB and more
 *   (`madvise(MADV_HUGEPAGE)`), so where THP is `madvise` or `always` it takes one fault per
 *   2 MiB; JavaScript cannot ask for that.
 * Prints the median of each, in ms. Not a test: nothing is asserted.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { runMain } from "./cli";
import { median } from "./timing";

/** Median ms of `repeats` first touches of a fresh `mib` MiB buffer (`readFirst`: read each page before writing it). */
export function nodeFirstTouch(mib: number, repeats: number, readFirst: boolean): number {
  const n = (mib * 1024 * 1024) / 8;
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const a = new Float64Array(n);
    const t0 = performance.now();
    if (readFirst) for (let i = 0; i < n; i += 512) a[i] = a[i];
    else for (let i = 0; i < n; i += 512) a[i] = 0;
    times.push(performance.now() - t0);
  }
  return median(times);
}

const NUMPY = `
import sys, time, numpy as np
mib, repeats = int(sys.argv[1]), int(sys.argv[2])
ts = []
for _ in range(repeats):
    a = np.empty(mib * 1024 * 1024 // 8)
    t0 = time.perf_counter()
    a[::512] = 0
    ts.append((time.perf_counter() - t0) * 1e3)
    del a
ts.sort()
print(ts[len(ts) // 2])
`;

/** numpy's median ms for the same first touch, or null when python3/numpy is unavailable. */
export function numpyFirstTouch(mib: number, repeats: number): number | null {
  const run = spawnSync("python3", ["-c", NUMPY, String(mib), String(repeats)], { encoding: "utf8" });
  if (run.status !== 0) return null;
  return Number(run.stdout.trim());
}

function main(): void {
  const argv = process.argv.slice(2);
  const get = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} must be a positive integer`);
    return v;
  };
  const mib = get("--mib", 32);
  const repeats = get("--repeats", 9);
  let thp = "unknown";
  try {
    thp = fs.readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8").trim();
  } catch {
    // not Linux, or no THP support: say so
  }
  console.log(`first touch of a fresh ${mib} MiB buffer, median of ${repeats} (transparent huge pages: ${thp})`);
  console.log(`  Node, write one element per 4 KiB page:    ${nodeFirstTouch(mib, repeats, false).toFixed(2)} ms`);
  console.log(`  Node, read then write each page:          ${nodeFirstTouch(mib, repeats, true).toFixed(2)} ms`);
  const np = numpyFirstTouch(mib, repeats);
  console.log(`  numpy, np.empty + write one per 4 KiB:    ${np === null ? "python3/numpy unavailable" : `${np.toFixed(2)} ms`}`);
}

if (require.main === module) runMain(main);
