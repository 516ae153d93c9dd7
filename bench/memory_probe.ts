/**
 * Peak memory of ONE einconv `convolve` call, as the operating system sees it (process RSS), for
 * the seeds' memory claim (003: the strided view's peaks above n ≈ 350). Counting the typed arrays
 * einconv allocates would need hooks in every kernel; RSS needs none and also counts wasm memory,
 * worker threads and V8's own buffers, which is what a reader's machine would feel.
 *
 * CLI (prints one JSON MemoryProbe line):
 *   node dist/bench/memory_probe.js --method strided --n 384 --f 9 --depth 5 --stride 2 [--cold]
 * `probeMemory(options)` runs that CLI in a fresh node child per measurement, so earlier
 * measurements' garbage and high-water marks never leak into the next one.
 *
 * Inside the child: inputs are bench/data.ts's ramp (data salt 0, kernel salt 17, as peers.py and
 * seeds.py); unless --cold, one warm-up call first (JIT, wasm instantiation, pooled buffers), then
 * a GC; then VmHWM is reset through /proc/self/clear_refs, VmRSS read as the baseline, the call
 * made, VmHWM read as the peak. Linux-only (/proc); elsewhere the CLI exits with an error.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { convolve, type ConvMethod } from "../src/index";
import { ramp } from "./data";

/** One measurement's settings. */
export interface MemoryProbeOptions {
  method: ConvMethod;
  n: number;
  f: number;
  /** 0 for 2-D data (n × n, kernel f × f), else n × n × depth with an f × f × depth kernel. */
  depth: number;
  stride: number;
  /** Skip the warm-up call (the peak then includes first-call costs: JIT, wasm, pools). */
  cold?: boolean;
}

/** What one measurement reports (bytes). */
export interface MemoryProbe extends MemoryProbeOptions {
  /** VmRSS just before the call (after the inputs, the warm-up and a GC). */
  baseline_rss_bytes: number;
  /** VmHWM after the call: the process's highest RSS during it (reset just before). */
  peak_rss_bytes: number;
  /** max(0, peak_rss_bytes - baseline_rss_bytes): what the call added at its peak (0 when RSS only
   * shrank, e.g. V8 returning pages; page-granular, so tiny calls read 0 or one page). */
  peak_delta_bytes: number;
  /** The result's bytes (elements × 8), for scale. */
  result_bytes: number;
  /** process.memoryUsage().arrayBuffers after the call, result still alive. */
  array_buffers_after_bytes: number;
  input_bytes: number;
}

function statusBytes(field: "VmRSS" | "VmHWM"): number {
  const line = fs.readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(field + ":"));
  if (!line) throw new Error(`memory_probe: /proc/self/status has no ${field} line`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** Runs the measurement in this process (the CLI's body); call it in a fresh process only. */
export function measureHere(options: MemoryProbeOptions): MemoryProbe {
  const { method, n, f, depth, stride } = options;
  const data = ramp(depth ? [n, n, depth] : [n, n], 0);
  const kernel = ramp(depth ? [f, f, depth] : [f, f], 17);
  const call = () => convolve(data, kernel, { method, stride });
  if (!options.cold) call();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  fs.writeFileSync("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
  const baseline = statusBytes("VmRSS");
  const result = call();
  const peak = statusBytes("VmHWM");
  return {
    ...options,
    cold: Boolean(options.cold),
    baseline_rss_bytes: baseline,
    peak_rss_bytes: peak,
    peak_delta_bytes: Math.max(0, peak - baseline),
    result_bytes: result.shape.reduce((a, b) => a * b, 1) * 8,
    array_buffers_after_bytes: process.memoryUsage().arrayBuffers,
    input_bytes: (data.data.length + kernel.data.length) * 8,
  };
}

/** Runs one measurement in a fresh `node --expose-gc` child (this file's CLI) and returns its report. */
export function probeMemory(options: MemoryProbeOptions): MemoryProbe {
  const args = ["--expose-gc", __filename, "--method", options.method, "--n", String(options.n), "--f", String(options.f),
    "--depth", String(options.depth), "--stride", String(options.stride)];
  if (options.cold) args.push("--cold");
  const stdout = execFileSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as MemoryProbe;
}

const METHODS: readonly ConvMethod[] = ["fft", "submatrix", "strided", "auto"];

/** Parses the CLI's flags; every number is required and checked. */
export function parseProbeArgs(argv: readonly string[]): MemoryProbeOptions {
  const value = (name: string): string => {
    const at = argv.indexOf("--" + name);
    if (at < 0 || at + 1 >= argv.length) throw new Error(`memory_probe: missing --${name}`);
    return argv[at + 1];
  };
  const count = (name: string, min: number): number => {
    const v = Number(value(name));
    if (!Number.isInteger(v) || v < min) throw new Error(`memory_probe: --${name} must be an integer >= ${min}, got ${value(name)}`);
    return v;
  };
  const method = value("method") as ConvMethod;
  if (!METHODS.includes(method)) throw new Error(`memory_probe: --method must be one of ${METHODS.join(", ")}, got ${method}`);
  const n = count("n", 1);
  const f = count("f", 1);
  if (f > n) throw new Error(`memory_probe: kernel size --f ${f} is larger than the input size --n ${n}`);
  return { method, n, f, depth: count("depth", 0), stride: count("stride", 1), cold: argv.includes("--cold") };
}

if (require.main === module) {
  try {
    process.stdout.write(JSON.stringify(measureHere(parseProbeArgs(process.argv.slice(2)))) + "\n");
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
