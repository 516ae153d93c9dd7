/**
 * Convolution wisdom (after FFTW's): which method `convolve(..., { method: "measure" })`
 * found fastest for a geometry on a machine, kept in a bounded LRU memo so later calls
 * with that geometry run the winner straight away, and exportable as JSON so another
 * process (a notebook's next run) need not measure again.
 *
 * - The process's wisdom ({@link defaultConvWisdom}) holds at most {@link WISDOM_LIMIT}
 *   entries; the least recently used is evicted first. {@link clearConvWisdom} empties it
 *   and zeroes its counters. A caller may pass its own {@link ConvWisdom} instead.
 * - Every key starts with the machine (CPU model, arch, cores, Node version) and the
 *   thread count, so wisdom imported from another machine is kept (and exported again)
 *   but never used here.
 * - `EINCONV_WISDOM=path`: the process's wisdom is loaded from `path` on the first
 *   "measure" call (a missing file is fine; a bad one warns once) and saved there after
 *   each new measurement and at process exit (an unwritable path warns once and never
 *   fails the process).
 */
import * as fs from "node:fs";
import { ConvError } from "./info";
import { CONV_METHODS, type ConvMethodName } from "./auto";

/** Layout tag of exported wisdom. */
export const WISDOM_FORMAT = "einconv-conv-wisdom";
/** Version of the exported layout; importing another version is an error. */
export const WISDOM_VERSION = 1;
/** Most entries the process's wisdom holds (LRU). */
export const WISDOM_LIMIT = 512;

/** What was measured for one geometry key. */
export interface WisdomEntry {
  /** The fastest candidate. */
  readonly method: ConvMethodName;
  /** Best time (ms) of each candidate that ran. */
  readonly times: Partial<Record<ConvMethodName, number>>;
  /** Timed runs of each candidate. */
  readonly runs: Partial<Record<ConvMethodName, number>>;
  /** "measured" in this process, or "imported" (importConvWisdom / EINCONV_WISDOM). */
  readonly origin: "measured" | "imported";
}

/** Counters of a wisdom memo (zeroed by clear()). */
export interface ConvWisdomStats {
  /** Candidate runs timed (calls of the clock pair around a method). */
  timedRuns: number;
  /** First calls that measured. */
  measurements: number;
  /** Later calls that ran a winner measured in this process. */
  memoHits: number;
  /** Calls that ran a winner from imported wisdom. */
  wisdomHits: number;
  /** Entries evicted by the LRU bound. */
  evictions: number;
}

const zeroStats = (): ConvWisdomStats => ({ timedRuns: 0, measurements: 0, memoHits: 0, wisdomHits: 0, evictions: 0 });

/** A bounded LRU memo of measured choices, with counters and JSON export/import. */
export class ConvWisdom {
  private readonly entries = new Map<string, WisdomEntry>();
  readonly stats: ConvWisdomStats = zeroStats();

  constructor(readonly limit: number = WISDOM_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1) throw new ConvError(`ConvWisdom: limit must be a positive integer (got ${String(limit)})`);
  }

  /** The entry under `key`, marked most recently used. */
  get(key: string): WisdomEntry | undefined {
    const e = this.entries.get(key);
    if (e !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  /** The entry under `key` without touching its LRU position (reports). */
  peek(key: string): WisdomEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: WisdomEntry): void {
    this.entries.delete(key);
    while (this.entries.size >= this.limit) {
      this.entries.delete(this.entries.keys().next().value as string);
      this.stats.evictions++;
    }
    this.entries.set(key, entry);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Keys from least to most recently used. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Empties the memo and zeroes the counters. */
  clear(): void {
    this.entries.clear();
    Object.assign(this.stats, zeroStats());
  }

  /** The entries as versioned JSON (least recently used first, so importing keeps the order). */
  export(): string {
    const entries = [...this.entries].map(([key, e]) => ({ key, method: e.method, times: e.times, runs: e.runs }));
    return JSON.stringify({ format: WISDOM_FORMAT, version: WISDOM_VERSION, entries });
  }

  /**
   * Adds the entries of exported wisdom (as most recently used, over existing keys);
   * returns how many. Validates everything first: bad JSON, another format or version,
   * or a malformed entry throws a ConvError and imports nothing.
   */
  import(json: string): number {
    const entries = parseWisdom(json);
    for (const { key, entry } of entries) this.set(key, entry);
    return entries.length;
  }
}

function parseWisdom(json: string): Array<{ key: string; entry: WisdomEntry }> {
  if (typeof json !== "string") throw new ConvError(`importConvWisdom: expected a JSON string, got ${typeof json}`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ConvError(`importConvWisdom: not valid JSON (${(err as Error).message})`);
  }
  const obj = raw as { format?: unknown; version?: unknown; entries?: unknown };
  if (typeof raw !== "object" || raw === null || obj.format !== WISDOM_FORMAT) throw new ConvError(`importConvWisdom: not einconv wisdom (expected format "${WISDOM_FORMAT}")`);
  if (obj.version !== WISDOM_VERSION) throw new ConvError(`importConvWisdom: wisdom version ${JSON.stringify(obj.version)}, this einconv reads version ${WISDOM_VERSION}`);
  if (!Array.isArray(obj.entries)) throw new ConvError("importConvWisdom: entries must be an array");
  const methodRecord = (v: unknown, what: string, i: number): Partial<Record<ConvMethodName, number>> => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ConvError(`importConvWisdom: entry ${i}: ${what} must be an object`);
    for (const [m, t] of Object.entries(v)) {
      if (!(CONV_METHODS as readonly string[]).includes(m)) throw new ConvError(`importConvWisdom: entry ${i}: ${what}.${m} is not a method`);
      if (typeof t !== "number" || !Number.isFinite(t) || t < 0) throw new ConvError(`importConvWisdom: entry ${i}: ${what}.${m} must be a finite number >= 0`);
    }
    return v as Partial<Record<ConvMethodName, number>>;
  };
  return obj.entries.map((e: unknown, i) => {
    const r = e as { key?: unknown; method?: unknown; times?: unknown; runs?: unknown };
    if (typeof e !== "object" || e === null || typeof r.key !== "string" || r.key === "") throw new ConvError(`importConvWisdom: entry ${i} needs a key string`);
    if (!(CONV_METHODS as readonly unknown[]).includes(r.method)) throw new ConvError(`importConvWisdom: entry ${i}: method ${JSON.stringify(r.method)} is not one of ${CONV_METHODS.join(", ")}`);
    const times = methodRecord(r.times ?? {}, "times", i);
    const runs = methodRecord(r.runs ?? {}, "runs", i);
    return { key: r.key, entry: { method: r.method as ConvMethodName, times, runs, origin: "imported" as const } };
  });
}

/** The process's wisdom (what "measure" uses unless given another; {@link clearConvWisdom} resets it). */
export const defaultConvWisdom = new ConvWisdom();

/** Empties the process's wisdom and zeroes its counters (the next "measure" call of each geometry measures again). */
export function clearConvWisdom(): void {
  defaultConvWisdom.clear();
}

/**
 * The process's wisdom as versioned JSON: `{ format, version, entries: [{ key, method, times, runs }] }`,
 * each key naming the machine and thread count it was measured with.
 *
 * @example
 * fs.writeFileSync("wisdom.json", exportConvWisdom());
 */
export function exportConvWisdom(): string {
  return defaultConvWisdom.export();
}

/**
 * Loads exported wisdom into the process's wisdom; returns the number of entries.
 * Throws a ConvError (and loads nothing) on bad JSON, another format or version, or a
 * malformed entry.
 *
 * @example
 * importConvWisdom(fs.readFileSync("wisdom.json", "utf8"));
 */
export function importConvWisdom(json: string): number {
  return defaultConvWisdom.import(json);
}

/** The counters of the process's wisdom. */
export function convWisdomStats(): ConvWisdomStats {
  return { ...defaultConvWisdom.stats };
}

/** State of the EINCONV_WISDOM file of this process. */
interface WisdomFileState {
  /** "" when EINCONV_WISDOM is not set. */
  readonly path: string;
  warned: boolean;
}

let wisdomFile: WisdomFileState | undefined;
const warnWisdom = (message: string): void => void process.stderr.write(`einconv: ${message}\n`);

function warnOnce(state: WisdomFileState, message: string): void {
  if (state.warned) return;
  state.warned = true;
  warnWisdom(message);
}

/** Writes the process's wisdom to the EINCONV_WISDOM file, if set; never throws (warns once). */
export function saveWisdomFile(): void {
  const state = wisdomFile;
  if (state === undefined || state.path === "") return;
  try {
    fs.writeFileSync(state.path, defaultConvWisdom.export() + "\n");
  } catch (err) {
    warnOnce(state, `EINCONV_WISDOM=${state.path}: wisdom not saved (${(err as Error).message})`);
  }
}

/**
 * On the first "measure" call with `EINCONV_WISDOM` set: loads the file into the process's
 * wisdom (missing: nothing to load; unreadable or invalid: one warning) and registers the
 * save at exit. Later calls do nothing. The file is also written after each new measurement
 * ({@link saveWisdomFile}, rare and small next to the measuring), since a notebook kernel that
 * is shut down by a signal never reaches the exit hook.
 */
export function ensureWisdomFile(): void {
  if (wisdomFile !== undefined) return;
  const file = typeof process === "undefined" ? undefined : process.env.EINCONV_WISDOM;
  const state: WisdomFileState = { path: file ?? "", warned: false };
  wisdomFile = state;
  if (!file) return;
  try {
    defaultConvWisdom.import(fs.readFileSync(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") warnOnce(state, `EINCONV_WISDOM=${file}: not loaded (${(err as Error).message})`);
  }
  process.on("exit", saveWisdomFile);
}
