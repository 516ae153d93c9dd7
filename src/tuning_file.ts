/**
 * The machine's tuning file, written by `npx einconv calibrate` (src/conv/calibrate.ts):
 * `auto`'s cost constants fitted on this machine and the thread cut-overs measured on it,
 * in `$XDG_CACHE_HOME/einconv/conv-costs.json` (default `~/.cache/einconv/conv-costs.json`).
 *
 * Read lazily, once per process, by the first `auto` choice or threaded-path decision that
 * asks ({@link loadedTuning}). A missing file is the normal state (the shipped defaults
 * apply, silently: `explainConv` says which constants are in use). A file that is not valid
 * JSON, has another version, bad numbers, or was calibrated on another machine (a shared
 * home folder) is ignored with one warning on stderr, and the defaults apply.
 * `EINCONV_TUNING=off` ignores the file (reproducible runs, tests).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConvError } from "./fft/errors";
import type { ConvCostConstants } from "./conv/auto";

/** Version of the file's layout; any other version is rejected. */
export const TUNING_VERSION = 1;

/** The machine a measurement belongs to (timings do not carry over between these). */
export interface MachineId {
  /** CPU model string (`os.cpus()[0].model`). */
  readonly cpu: string;
  /** Logical cores (`os.availableParallelism()`). */
  readonly cores: number;
  readonly arch: string;
  /** Node version (JIT changes move timings). */
  readonly node: string;
}

/** This process's {@link MachineId}. */
export function machineId(): MachineId {
  const cpus = os.cpus();
  const o = os as { availableParallelism?: () => number };
  return { cpu: (cpus[0]?.model ?? "unknown").trim(), cores: Math.max(1, o.availableParallelism?.() ?? cpus.length), arch: process.arch, node: process.version };
}

/** A machine as one key string: `cpu/arch/cores/node`. */
export function machineKey(m: MachineId = machineId()): string {
  return `${m.cpu}/${m.arch}/${m.cores}c/${m.node}`;
}

/**
 * Thread cut-overs: below these sizes a threaded path stays on the calling thread.
 * Absent = the constant in the code (FFT_THREAD_MIN in conv/fft/runner.ts, THREAD_MIN in
 * compile/wasm/kernel.ts, both measured on the project's Intel Xeon).
 */
export interface ThreadCutovers {
  /** Transformed samples of a 2-D FFT convolution from which its passes are split over threads. */
  readonly fftMinSamples?: number;
  /** Multiply-adds of a wasm GEMM from which it is split over threads. */
  readonly gemmMinWork?: number;
}

/** The tuning file's content. */
export interface TuningRecord {
  readonly version: typeof TUNING_VERSION;
  readonly machine: MachineId;
  /** einconv's thread count during calibration. */
  readonly threads: number;
  /** ISO time of the calibration. */
  readonly created: string;
  readonly costs: ConvCostConstants;
  readonly cutovers: ThreadCutovers;
  /** What calibrate measured (informative; not read back). */
  readonly report?: unknown;
}

/** Where the tuning file lives: `$XDG_CACHE_HOME/einconv/conv-costs.json`, else `~/.cache/einconv/conv-costs.json`. */
export function tuningFilePath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".cache"); // the XDG spec ignores relative paths
  return path.join(base, "einconv", "conv-costs.json");
}

const COST_KEYS: Record<keyof ConvCostConstants, { required: string[]; optional: string[] }> = {
  fft: { required: ["perModelNs", "perCall"], optional: ["perThreadedModelNs"] },
  submatrix: { required: ["perMac", "perSlabElement", "perTap", "perCall"], optional: ["perSpilledLine"] },
  strided: { required: ["perMac", "perOutput", "perCall"], optional: ["perDataElement"] },
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/** Validates cost constants (every method, every required constant a finite number >= 0, no unknown names); throws a ConvError naming the bad field. */
export function checkCostConstants(value: unknown, where: string): ConvCostConstants {
  if (!isRecord(value)) throw new ConvError(`${where}: costs must be an object with fft, submatrix and strided`);
  for (const m of Object.keys(COST_KEYS) as Array<keyof ConvCostConstants>) {
    const rec = value[m];
    if (!isRecord(rec)) throw new ConvError(`${where}: costs.${m} is missing`);
    const { required, optional } = COST_KEYS[m];
    for (const k of required) if (!isCount(rec[k])) throw new ConvError(`${where}: costs.${m}.${k} must be a finite number >= 0 (got ${JSON.stringify(rec[k])})`);
    for (const k of Object.keys(rec)) {
      if (!required.includes(k) && !optional.includes(k)) throw new ConvError(`${where}: costs.${m}.${k} is not a cost constant`);
      if (!isCount(rec[k])) throw new ConvError(`${where}: costs.${m}.${k} must be a finite number >= 0 (got ${JSON.stringify(rec[k])})`);
    }
  }
  return value as unknown as ConvCostConstants;
}

/** Parses and validates a tuning file's text; throws a ConvError saying what is wrong. */
export function parseTuning(text: string, where: string): TuningRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConvError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(raw)) throw new ConvError(`${where}: expected a JSON object`);
  if (raw.version !== TUNING_VERSION) throw new ConvError(`${where}: version ${JSON.stringify(raw.version)}, expected ${TUNING_VERSION} (rerun \`npx einconv calibrate\`)`);
  const m = raw.machine;
  if (!isRecord(m) || typeof m.cpu !== "string" || typeof m.arch !== "string" || typeof m.node !== "string" || !isCount(m.cores)) {
    throw new ConvError(`${where}: machine must be { cpu, cores, arch, node }`);
  }
  if (!isCount(raw.threads) || !Number.isInteger(raw.threads) || raw.threads < 1) throw new ConvError(`${where}: threads must be a positive integer`);
  const costs = checkCostConstants(raw.costs, where);
  const cut = raw.cutovers ?? {};
  if (!isRecord(cut)) throw new ConvError(`${where}: cutovers must be an object`);
  for (const [k, v] of Object.entries(cut)) {
    if (k !== "fftMinSamples" && k !== "gemmMinWork") throw new ConvError(`${where}: cutovers.${k} is not a thread cut-over`);
    if (!isCount(v)) throw new ConvError(`${where}: cutovers.${k} must be a finite number >= 0`);
  }
  return { version: TUNING_VERSION, machine: m as unknown as MachineId, threads: raw.threads, created: String(raw.created ?? ""), costs, cutovers: cut as ThreadCutovers, report: raw.report };
}

/** Writes a tuning record (creating the folder); the caller handles errors. */
export function writeTuning(file: string, record: TuningRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written beside and renamed, so a reader never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

/** What {@link loadedTuning} found. */
export interface TuningState {
  readonly file: string;
  /** The valid record for this machine, or undefined (no file, ignored, or invalid). */
  readonly record: TuningRecord | undefined;
  /** Why there is no record ("no file", "EINCONV_TUNING=off", or the validation error). */
  readonly reason?: string;
}

let state: TuningState | undefined;
let warn: (message: string) => void = (message) => process.stderr.write(`einconv: ${message}\n`);

/** Reads the tuning file now (no cache), validating it and checking it is this machine's. */
export function readTuning(file: string = tuningFilePath()): TuningState {
  if (process.env.EINCONV_TUNING === "off") return { file, record: undefined, reason: "EINCONV_TUNING=off" };
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file, record: undefined, reason: code === "ENOENT" ? "no file" : `unreadable (${code ?? (err as Error).message})` };
  }
  try {
    const record = parseTuning(text, file);
    const here = machineId();
    if (record.machine.cpu !== here.cpu || record.machine.cores !== here.cores || record.machine.arch !== here.arch) {
      return { file, record: undefined, reason: `calibrated on another machine (${machineKey(record.machine)}; this is ${machineKey(here)})` };
    }
    return { file, record };
  } catch (err) {
    return { file, record: undefined, reason: (err as Error).message };
  }
}

/**
 * The tuning file of this process, read once (see the module comment); a present but
 * unusable file warns once on stderr.
 */
export function loadedTuning(): TuningState {
  if (state === undefined) {
    state = readTuning();
    if (state.record === undefined && state.reason !== "no file" && state.reason !== "EINCONV_TUNING=off") {
      warn(`ignoring the tuning file ${state.file} (${state.reason}); using the shipped defaults. Rerun \`npx einconv calibrate\`.`);
    }
  }
  return state;
}

/**
 * Forgets the loaded tuning file, so the next use reads it again (after `calibrate`
 * wrote one, or in tests); `warnWith` replaces the stderr warning (tests).
 */
export function resetTuning(warnWith?: (message: string) => void): void {
  state = undefined;
  if (warnWith) warn = warnWith;
}

let cutoverOverrides: ThreadCutovers = {};

/**
 * A thread cut-over in force: {@link setThreadCutovers}, else the tuning file's, else
 * undefined (the caller's own constant).
 */
export function threadCutover(name: keyof ThreadCutovers): number | undefined {
  return cutoverOverrides[name] ?? loadedTuning().record?.cutovers[name];
}

/** Sets thread cut-overs for this process (over the tuning file's); `{}` goes back to the file and the constants. */
export function setThreadCutovers(cutovers: ThreadCutovers): void {
  for (const [k, v] of Object.entries(cutovers)) {
    if (k !== "fftMinSamples" && k !== "gemmMinWork") throw new ConvError(`setThreadCutovers: ${k} is not a thread cut-over`);
    if (v !== undefined && !isCount(v)) throw new ConvError(`setThreadCutovers: ${k} must be a finite number >= 0 (got ${String(v)})`);
  }
  cutoverOverrides = { ...cutovers };
}
