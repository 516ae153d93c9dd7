/**
 * The WebAssembly SIMD GEMM driver: the Goto/BLIS blocking of gemm.ts, with the
 * macro-kernel (every 4×4 micro-tile of an MC×NC block over one KC slice) in wasm,
 * packing in wasm or JS (pack.ts) and the final scatter into C in JS (scatter.ts).
 * Loop order, per batch entry:
 *
 *   for each NC-wide column block j0:
 *     for each K span (all of K unless K·NC exceeds {@link B_SPAN_BUDGET}):
 *       pack B[span, j0..] into KC×NC panels             (once per (j0, span))
 *       for each MC-tall row block i0:
 *         for each KC slice p0 of the span:
 *           pack A[i0.., p0..] (MC×KC)
 *           C block (= or +=) A block · B panel           (wasm `block`)
 *         add the C block into task.c                     (once per (i0, j0, span))
 *
 * Summing the KC slices inside wasm means C is read and written through its
 * (possibly strided) offset tables once per K span, not once per KC slice.
 *
 * Float32 C (a GemmTask whose c is a Float32Array) takes {@link WasmGemm.run}'s
 * float32 route: the same loops over `block32` (f32x4, 4×8 tiles), packs of float32
 * (A 4 wide, B 8 wide, gathered in JS), a float32 C block and a float32 scatter, so
 * the products and sums are float32 throughout, as in sgemm: each KC slice (≤ 256
 * products) is summed from zero in registers and then added into the block, which
 * is added into C once per K span.
 *
 * Copies: the packs (O(MK + KN) per column block, as in gemm.ts), the staged
 * operand ranges (see pack.ts), the offset tables of staged operands, and the C
 * block. Window views are never materialized.
 */
import { GemmBlocking } from "../gemm";
import { GemmTask } from "../tasks";
import { NumericData } from "../../types";
import { GEMM_RELAXED_WASM_BASE64, GEMM_WASM_BASE64 } from "./gemm_wasm";
import { Reach, StripTables, canStage, packStrips, packStrips32, reach, shouldStage, stage } from "./pack";
import { chooseScatter } from "./scatter";
import { SmallKKernels } from "../smallk";
import { faultInZeros } from "../pages";
import { gatherRuns, gemvRuns, runsReach } from "./gemv";
import { CONTROL_BYTES, CONTROL_WORDS, Job } from "../threads/job";
import { Pool } from "../threads/pool";
import { getThreads } from "../threads/settings";
import { Chunk, KernelExports } from "../threads/sweep";
import { threadCutover } from "../../tuning_file";

/** Micro-tile shape compiled into gemm.wat (do not change without the .wat). */
export const WASM_MR = 4;
export const WASM_NR = 4;
/** Micro-tile of the float32 kernel (`block32`): 4 rows × 8 columns. */
export const WASM32_MR = 4;
export const WASM32_NR = 8;

/**
 * Blocking for the wasm kernel: one A block (128×256 doubles = 256 KiB) fits a
 * 512 KiB L2, one B strip (256×4 = 8 KiB) fits L1. mc and nc are multiples of 4.
 */
export const WASM_BLOCKING: GemmBlocking = { mc: 128, kc: 256, nc: 1024 };

/**
 * Most doubles of packed B held at once (16 MiB): K is split into spans so that
 * span × NC stays under it; each extra span costs one more pass over C.
 */
export const B_SPAN_BUDGET = 1 << 21;

/**
 * The thread cut-over: GEMMs of fewer multiply-adds (m·n·k·batches) stay on the
 * calling thread, as do GEMMs whose phases (see threads/sweep.ts) average fewer
 * than {@link THREAD_PHASE_MIN} multiply-adds (each phase costs a barrier).
 * Measured (bench/threads_speedup.ts --cutover, square f64 matmul, 1 vs 2 threads interleaved,
 * Node 20, 2-core VM shared with other jobs, so noisy): 2 threads / 1 thread time =
 * 64³ 2.8, 128³ 1.23, 192³ 1.11, 256³ 1.06-1.7, 320³ 1.07, 384³ 0.85, 448³ 1.03,
 * 512³ 0.60. The hand-off (waking a worker, barriers, the caller's serial scatter)
 * costs about a millisecond on that machine, so the cut-over sits at 2²⁵ ≈ 322³.
 */
export const THREAD_MIN = 1 << 25;
export const THREAD_PHASE_MIN = 1 << 18;
/** Most elements of one C panel of the threaded route (two are allocated). */
const PANEL_BUDGET = 1 << 17;

/** Tuning knobs of {@link WasmGemm.run} (all optional; tests use them to reach every path). */
export interface WasmGemmOptions {
  /** Block sizes (mc and nc multiples of 4; default {@link WASM_BLOCKING}). */
  readonly blocking?: GemmBlocking;
  /**
   * Operand staging (see pack.ts): "auto" (default) stages when the reachable range is
   * small enough; "never" always gathers in JS; "always" stages whenever the range lies
   * inside the operand's storage.
   */
  readonly staging?: "auto" | "never" | "always";
  /** Most doubles of packed B per K span (default {@link B_SPAN_BUDGET}). */
  readonly bSpanBudget?: number;
  /**
   * The small-K kernel (smallk.ts: K ≤ 8, C += A·B in one pass, no C block): "auto"
   * (default) takes it for every task it accepts; "never" always runs the packed sweep.
   */
  readonly smallK?: "auto" | "never";
  /**
   * The narrow-N route (gemv.ts: N < 4, A's K offsets in equal contiguous runs, A staged):
   * "auto" (default) takes it for every float64 task it accepts; "never" runs the packed sweep.
   */
  readonly gemv?: "auto" | "never";
  /** Threads for this GEMM (default: {@link getThreads}, subject to the cut-over); tests force it. */
  readonly threads?: number;
  /** Multiply-adds below which a GEMM stays on the calling thread (default {@link THREAD_MIN}). */
  readonly threadMin?: number;
}

/** Throws a RangeError unless the options describe a valid blocking. */
export function checkGemmOptions(options: WasmGemmOptions): void {
  const { mc, kc, nc } = options.blocking ?? WASM_BLOCKING;
  const ok = [mc, kc, nc].every((v) => Number.isInteger(v) && v > 0) && mc % WASM_MR === 0 && nc % WASM_NR === 0;
  if (!ok) throw new RangeError(`wasm GEMM blocking needs positive integers with mc and nc multiples of 4 (got mc ${mc}, kc ${kc}, nc ${nc})`);
  const budget = options.bSpanBudget ?? B_SPAN_BUDGET;
  if (!(budget > 0)) throw new RangeError(`wasm GEMM bSpanBudget must be positive (got ${budget})`);
  const smallK = options.smallK ?? "auto";
  if (smallK !== "auto" && smallK !== "never") throw new RangeError(`wasm GEMM smallK must be "auto" or "never" (got ${String(smallK)})`);
  const gemv = options.gemv ?? "auto";
  if (gemv !== "auto" && gemv !== "never") throw new RangeError(`wasm GEMM gemv must be "auto" or "never" (got ${String(gemv)})`);
}

/** The slice of the WebAssembly JS API einconv uses (typed here: the DOM lib is not loaded). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
type BlockFn = (pa: number, pb: number, pc: number, mc: number, nc: number, kc: number, ldc: number, accumulate: number) => void;
type GemvFn = (a: number, rows: number, m: number, runs: number, nruns: number, len: number, b: number, out: number) => void;
type PackFn = (src: number, x: number, count: number, y: number, len: number, dst: number) => void;
type Pack32Fn = (src: number, x: number, strips: number, y: number, len: number, dst: number, width: number) => void;

/** A float32 operand staged into wasm memory (indices in floats; see {@link WasmGemm.run}). */
interface Staged32 {
  readonly reach: Reach;
  readonly srcAt: number;
  readonly xAt: number;
  readonly yAt: number;
}

/** Packs lanes x0..x0+count × steps y0..y0+len of one operand (batch base `base`) at double index `at`. */
type Packer = (base: number, x0: number, count: number, y0: number, len: number, at: number) => void;

/** Where one operand lives for a task: its tables, and its staged copy if any (double indices). */
interface OperandLayout {
  readonly data: NumericData;
  readonly tables: StripTables;
  readonly staged: { readonly reach: Reach; readonly srcAt: number; readonly xAt: number; readonly yAt: number } | undefined;
}

const PAGE_BYTES = 65536;

function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/**
 * The two builds of gemm.wat: "plain" (core SIMD, f64x2.mul + f64x2.add) and
 * "relaxed" (f64x2.relaxed_madd: one FMA instruction per multiply-add where the CPU
 * has FMA; the product is then not rounded before the add, so results may differ
 * from "plain" in the last bits).
 */
export type KernelVariant = "plain" | "relaxed";

/** Which variant {@link WasmGemm.create} loads: "auto" = relaxed when the engine validates it, else plain. */
export type KernelChoice = KernelVariant | "auto";

/** The module bytes of a variant (decoded from the base64 constants; no file or network access). */
export function gemmModuleBytes(variant: KernelVariant = "plain"): Uint8Array {
  const b64 = variant === "relaxed" ? GEMM_RELAXED_WASM_BASE64 : GEMM_WASM_BASE64;
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

/**
 * Whether this engine accepts the relaxed-SIMD kernel (Node 22+, or Node 20 run with
 * `--experimental-wasm-relaxed-simd`).
 *
 * @example
 * relaxedSimdSupported(); // false on a flagless Node 20
 */
export function relaxedSimdSupported(): boolean {
  const api = wasmApi();
  try {
    return api !== undefined && api.validate(gemmModuleBytes("relaxed"));
  } catch {
    return false;
  }
}

/**
 * Whether this JS engine can run the kernel: WebAssembly exists and validates the
 * module, which uses v128/f64x2 instructions (so this is also the SIMD check).
 *
 * @example
 * if (!wasmSimdSupported()) console.log("einconv: using the plain-JS GEMM");
 */
export function wasmSimdSupported(): boolean {
  const api = wasmApi();
  try {
    return api !== undefined && api.validate(gemmModuleBytes());
  } catch {
    return false;
  }
}

/**
 * One instance of the wasm kernel with its own linear memory (grown on demand,
 * never shrunk). Not reentrant: one GEMM at a time per instance.
 *
 * @example
 * const kernel = WasmGemm.create();            // undefined without WebAssembly SIMD
 * kernel?.run(task);                           // task.c += A·B
 */
export class WasmGemm {
  private f64: Float64Array;
  private f32: Float32Array;
  private i32: Int32Array;

  private readonly pool: Pool;
  /** Threads the last {@link run} used (1: it stayed on the calling thread). */
  lastThreads = 1;

  private constructor(
    private readonly memory: WasmMemory, private readonly block: BlockFn, private readonly block32: BlockFn, private readonly pack: PackFn, private readonly pack32: Pack32Fn,
    /** Which build of the kernel this instance runs. */
    readonly variant: KernelVariant,
    /** Small-K products bypass the packed sweep (see {@link run}). */
    private readonly smallK: SmallKKernels,
    /** The narrow-N dot-product kernel (gemv.ts). */
    private readonly gemv: GemvFn,
    module: object,
  ) {
    this.f64 = new Float64Array(memory.buffer);
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.pool = new Pool(module, memory, new Int32Array(memory.buffer, 0, CONTROL_WORDS), this);
  }

  /** Worker threads currently alive for this instance (0 until a GEMM is split). */
  get workers(): number {
    return this.pool.size;
  }

  /** GEMMs this instance has handed to worker threads so far. */
  get threadedRuns(): number {
    return this.pool.jobs;
  }

  /**
   * Instantiates the module, or returns undefined when WebAssembly SIMD is unavailable
   * (or when `choice` is "relaxed" and the engine has no relaxed SIMD).
   *
   * @example
   * WasmGemm.create("auto")?.variant; // "relaxed" under --experimental-wasm-relaxed-simd, else "plain"
   * WasmGemm.create("auto", { generateCode: false }); // no generated small-K kernels: every task runs the sweep
   */
  static create(choice: KernelChoice = "auto", options: { readonly generateCode?: boolean } = {}): WasmGemm | undefined {
    const api = wasmApi();
    if (api === undefined || !wasmSimdSupported()) return undefined;
    const relaxed = relaxedSimdSupported();
    if (choice === "relaxed" && !relaxed) return undefined;
    const variant: KernelVariant = choice === "plain" || !relaxed ? "plain" : "relaxed";
    // Shared (so worker threads can instantiate the same module over it) and bounded by
    // the 4 GiB the module declares; it starts at one page and grows on demand.
    const memory = new api.Memory({ initial: 1, maximum: 65536, shared: true });
    const module = new api.Module(gemmModuleBytes(variant));
    const { exports } = new api.Instance(module, { env: { memory } });
    return new WasmGemm(memory, exports.block as BlockFn, exports.block32 as BlockFn, exports.pack as PackFn, exports.pack32 as Pack32Fn, variant, new SmallKKernels({ generate: options.generateCode }), exports.gemv as GemvFn, module);
  }

  /**
   * For other job kinds on this instance's pool (the FFT engine, src/fft/threaded.ts):
   * grows the shared memory to hold `doubles` float64 values after the control block and
   * returns a view of the whole memory (regions from {@link CONTROL_BYTES} / 8 on are the
   * caller's until its job returns; the next GEMM reuses them).
   */
  sharedDoubles(doubles: number): Float64Array {
    this.reserve(CONTROL_BYTES / 8 + doubles);
    return this.f64;
  }

  /** This instance's worker pool (one per instance; GEMMs and the FFT job kind share it). */
  get threadPool(): Pool {
    return this.pool;
  }

  /** The control block at byte 0 of the shared memory (job.ts). */
  get control(): Int32Array {
    return new Int32Array(this.memory.buffer, 0, CONTROL_WORDS);
  }

  /** Bytes of linear memory currently reserved. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Makes room for `doubles` float64 values (grows the memory if needed). */
  private reserve(doubles: number): void {
    const bytes = doubles * 8;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
    // Growing detaches the old buffer, so the views are rebuilt whenever it changed.
    if (this.f64.buffer !== this.memory.buffer) {
      this.f64 = new Float64Array(this.memory.buffer);
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
  }

  /**
   * Runs a {@link GemmTask}: C += A·B for every batch entry (C is not zeroed here).
   *
   * @example
   * kernel.run(task, { blocking: { mc: 8, kc: 16, nc: 12 }, staging: "never" });
   */
  run(task: GemmTask, options: WasmGemmOptions = {}): void {
    checkGemmOptions(options);
    const { m, n, k } = task;
    this.lastThreads = 1;
    if (m === 0 || n === 0 || k === 0) return;
    // A fresh C is mapped in once, by the route that takes the task, before its first write.
    let fresh = task.cFresh === true;
    const faultIn = () => {
      if (fresh) faultInZeros(task.c as Float64Array);
      fresh = false;
    };
    // Tiny K (e.g. NHWC per-tap, K = 3): packing and the C-block round trip would be the whole cost.
    if (options.smallK !== "never" && this.smallK.run(task, faultIn)) return;
    // The narrow-N route before the thread split: its sums differ from the packed sweep's, so taking
    // it must not depend on the thread count (bitwise identical results for any thread count).
    if (!(task.c instanceof Float32Array) && options.gemv !== "never" && this.runGemv(task, options, faultIn)) return;
    if (this.runThreaded(task, options, faultIn)) return;
    faultIn();
    if (task.c instanceof Float32Array) {
      this.run32(task, task.c, options);
      return;
    }
    const sizes = blockSizes(task, options, WASM_MR, WASM_NR);
    const { mcMax, kcMax, ncMax, span, ldc } = sizes;
    const layout = (staging: "auto" | "never" | "always") => {
      // Memory regions, in doubles; each starts on a 4-double (32-byte) boundary, after the threads' control block.
      let top = CONTROL_BYTES / 8;
      const alloc = (doubles: number): number => {
        const at = top;
        top += roundUp(doubles, 4);
        return at;
      };
      const aAt = alloc(mcMax * kcMax);
      const cAt = alloc(mcMax * ldc);
      const bAt = alloc(span * ncMax);
      const a = layoutOperand(task.a, { x: task.aRow, y: task.aCol, batch: task.aBatch }, staging, alloc);
      const b = layoutOperand(task.b, { x: task.bCol, y: task.bRow, batch: task.bBatch }, staging, alloc);
      return { aAt, cAt, bAt, a, b, top };
    };
    let plan = layout(options.staging ?? "auto");
    try {
      this.reserve(plan.top);
    } catch (err) {
      // The engine refused to grow the memory that far: retry without staged copies.
      if (!(err instanceof RangeError) || options.staging === "never") throw err;
      plan = layout("never");
      this.reserve(plan.top);
    }
    const { aAt, cAt, bAt, a: aLayout, b: bLayout } = plan;
    const block = this.block;
    sweep(task, task.c as Float64Array, sizes, {
      packA: this.packer(aLayout),
      packB: this.packer(bLayout),
      kernel: (mcPad, ncPad, kc, bOffset, accumulate) => block(aAt * 8, (bAt + bOffset) * 8, cAt * 8, mcPad, ncPad, kc, ldc, accumulate),
      aAt, bAt, cAt, mem: this.f64,
    });
  }

  /**
   * The narrow-N route (gemv.ts): for each column of B (N < 4) and batch entry, one
   * wasm `gemv` over A's staged copy, then C += the M results in JS. Declines (returns
   * false) unless A's K offsets form equal contiguous runs and A can be staged.
   */
  private runGemv(task: GemmTask, options: WasmGemmOptions, beforeWrite: () => void): boolean {
    const runs = gemvRuns(task);
    if (runs === undefined) return false;
    const tables: StripTables = { x: task.aRow, y: task.aCol, batch: task.aBatch };
    const r = runsReach(task, runs);
    const staging = options.staging ?? "auto";
    if (staging === "never" || !(staging === "always" ? canStage(r, task.a.length) : shouldStage(r, tables, task.a.length))) return false;
    const { m, k } = task;
    // Regions in doubles, after the threads' control block: A's range, the M results, one B column, then the i32 tables.
    const srcAt = CONTROL_BYTES / 8;
    const outAt = srcAt + roundUp(r.size, 2);
    const bAt = outAt + roundUp(m, 2);
    const rowsAt = (bAt + roundUp(k, 2)) * 2;
    const runsAt = rowsAt + roundUp(m, 2);
    this.reserve(runsAt / 2 + roundUp(runs.starts.length, 2) / 2 + 1);
    beforeWrite();
    stage(task.a, r, this.f64, srcAt);
    this.i32.set(task.aRow, rowsAt);
    this.i32.set(runs.starts, runsAt);
    const mem = this.f64;
    const c = task.c as Float64Array;
    for (let batch = 0; batch < task.aBatch.length; batch++) {
      const origin = (srcAt - r.lo + task.aBatch[batch]) * 8;
      const bBase = task.bBatch[batch];
      const cBase = task.cBatch[batch];
      for (let j = 0; j < task.n; j++) {
        const bOff = bBase + task.bCol[j];
        gatherRuns(task.b, bOff, task.bRow, mem, bAt);
        this.gemv(origin, rowsAt * 4, m, runsAt * 4, runs.starts.length, runs.length, bAt * 8, outAt * 8);
        const cOff = cBase + task.cCol[j];
        const cRow = task.cRow;
        for (let i = 0; i < m; i++) c[cOff + cRow[i]] += mem[outAt + i];
      }
    }
    return true;
  }

  /**
   * The float32 route of {@link run}: C (float32) += A·B with float32 packs, the f32x4
   * kernel and float32 sums (operands of other dtypes are rounded to float32 as they
   * are packed). Same blocking and loop order as the float64 route; nc is rounded up
   * to the 8-wide B strip. Staging as in the float64 route (a float32 copy of the
   * reachable storage, gathered by wasm `pack32`); otherwise packs gather in JS
   * (pack.ts `packStrips32`), as do the last partial strips.
   */
  private run32(task: GemmTask, c: Float32Array, options: WasmGemmOptions): void {
    const sizes = blockSizes(task, options, WASM32_MR, WASM32_NR);
    const { mcMax, kcMax, ncMax, span, ldc } = sizes;
    const aTables: StripTables = { x: task.aRow, y: task.aCol, batch: task.aBatch };
    const bTables: StripTables = { x: task.bCol, y: task.bRow, batch: task.bBatch };
    const layout = (staging: "auto" | "never" | "always") => {
      // Regions in floats, each on an 8-float (32-byte) boundary, after the threads' control block.
      let top = CONTROL_BYTES / 4;
      const alloc = (floats: number): number => {
        const at = top;
        top += roundUp(floats, 8);
        return at;
      };
      const aAt = alloc(mcMax * kcMax);
      const cAt = alloc(mcMax * ldc);
      const bAt = alloc(span * ncMax);
      const plan = (data: NumericData, t: StripTables): Staged32 | undefined => {
        const r = reach(t);
        const it = staging === "never" ? false : staging === "always" ? canStage(r, data.length) : shouldStage(r, t, data.length);
        return it ? { reach: r, srcAt: alloc(r.size), xAt: alloc(t.x.length), yAt: alloc(t.y.length) } : undefined;
      };
      const a = plan(task.a, aTables);
      const b = plan(task.b, bTables);
      return { aAt, cAt, bAt, a, b, top };
    };
    let plan = layout(options.staging ?? "auto");
    try {
      this.reserve(Math.ceil(plan.top / 2));
    } catch (err) {
      if (!(err instanceof RangeError) || options.staging === "never") throw err;
      plan = layout("never");
      this.reserve(Math.ceil(plan.top / 2));
    }
    const { aAt, cAt, bAt } = plan;
    const block32 = this.block32;
    sweep(task, c, sizes, {
      packA: this.packer32(task.a, aTables, plan.a, WASM32_MR),
      packB: this.packer32(task.b, bTables, plan.b, WASM32_NR),
      kernel: (mcPad, ncPad, kc, bOffset, accumulate) => block32(aAt * 4, (bAt + bOffset) * 4, cAt * 4, mcPad, ncPad, kc, ldc, accumulate),
      aAt, bAt, cAt, mem: this.f32,
    });
  }

  /**
   * The threaded route (src/compile/threads/): the GEMM split over worker threads by
   * output tiles, bitwise identical to the one-thread route (same blocking, same K
   * order per element). Returns false, having done nothing, when the GEMM stays on
   * the calling thread: one thread wanted, fewer multiply-adds than the cut-over or
   * per phase, staging "never", an operand that cannot be staged (workers read the
   * operands only from their staged copies in the shared memory; a JS-gathered pack
   * would need the caller's arrays), or no workers here. Copies, besides the
   * one-thread route's: the batch tables, and the C panels, which the calling thread
   * adds into task.c (workers cannot write the caller's ordinary array).
   */
  private runThreaded(task: GemmTask, options: WasmGemmOptions, beforeWrite: () => void): boolean {
    const want = options.threads ?? getThreads();
    if (want <= 1) return false;
    const { m, n, k } = task;
    const batches = task.aBatch.length;
    const f32 = task.c instanceof Float32Array;
    const sizes = f32 ? blockSizes(task, options, WASM32_MR, WASM32_NR) : blockSizes(task, options, WASM_MR, WASM_NR);
    const { mr, nr, mcMax, kcMax, ncMax, span, ldc } = sizes;
    const work = m * n * k * batches;
    if (work < (options.threadMin ?? threadCutover("gemmMinWork") ?? THREAD_MIN)) return false; // calibrate's measured cut-over, when run
    const staging = options.staging ?? "auto";
    if (staging === "never") return false;
    const aTables: StripTables = { x: task.aRow, y: task.aCol, batch: task.aBatch };
    const bTables: StripTables = { x: task.bCol, y: task.bRow, batch: task.bBatch };
    const ra = reach(aTables);
    const rb = reach(bTables);
    const stageable = (r: Reach, t: StripTables, length: number) => (staging === "always" ? canStage(r, length) : shouldStage(r, t, length));
    if (!stageable(ra, aTables, task.a.length) || !stageable(rb, bTables, task.b.length)) return false;
    // A C panel (one phase) holds up to PANEL_BUDGET elements, and at least one row block.
    const chunkBlocks = Math.max(1, Math.min(Math.ceil(m / mcMax), Math.floor(PANEL_BUDGET / (mcMax * ldc))));
    const chunkRows = chunkBlocks * mcMax;
    const phases = batches * Math.ceil(n / ncMax) * Math.ceil(k / span) * Math.ceil(m / chunkRows);
    if (work / phases < THREAD_PHASE_MIN) return false;
    const threads = this.pool.ensure(want);
    if (threads <= 1) return false;
    // Column parts per row block, so a phase has a few work items per thread even when
    // M is a single block (e.g. 32 output channels); parts stay ≥ 64 columns wide.
    const strips = Math.ceil(Math.min(ncMax, n) / nr);
    const parts = Math.max(1, Math.min(Math.floor((strips * nr) / 64), Math.ceil((3 * threads) / chunkBlocks)));

    // Regions in elements of the dtype (eb bytes), each 32-byte aligned, after the control block.
    const eb = f32 ? 4 : 8;
    const align = 32 / eb;
    let top = CONTROL_BYTES / eb;
    const alloc = (elements: number): number => {
      const at = top;
      top += roundUp(elements, align);
      return at;
    };
    const allocI32 = (ints: number): number => (alloc(Math.ceil((ints * 4) / eb)) * eb) / 4;
    const aSize = roundUp(mcMax * kcMax, align);
    const aAt = alloc(aSize * threads);
    const panel0 = alloc(chunkRows * ldc);
    const panel1 = alloc(chunkRows * ldc);
    const bAt = alloc(span * ncMax);
    const aSrc = alloc(ra.size);
    const bSrc = alloc(rb.size);
    // x tables get 4 spare entries: the float64 `pack` may read past a partial strip.
    const aX = allocI32(aTables.x.length + 4);
    const aY = allocI32(aTables.y.length);
    const bX = allocI32(bTables.x.length + 4);
    const bY = allocI32(bTables.y.length);
    const aBatch = allocI32(batches);
    const bBatch = allocI32(batches);
    try {
      this.reserve(Math.ceil((top * eb) / 8));
    } catch (err) {
      // The engine refused to grow the memory that far: the one-thread route retries without staging.
      if (err instanceof RangeError) return false;
      throw err;
    }
    const mem = f32 ? this.f32 : this.f64;
    // The staging copies (see pack.ts), made once per GEMM by the calling thread.
    stage(task.a, ra, mem, aSrc);
    stage(task.b, rb, mem, bSrc);
    const i32 = this.i32;
    i32.set(aTables.x, aX);
    i32.set(aTables.y, aY);
    i32.set(bTables.x, bX);
    i32.set(bTables.y, bY);
    i32.set(task.aBatch, aBatch);
    i32.set(task.bBatch, bBatch);
    const job: Job = {
      f32: f32 ? 1 : 0, threads, m, n, k, batches, mr, nr, mcMax, kcMax, ncMax, span, ldc, chunkRows, parts,
      aAt, aSize, bAt, panel0, panel1,
      aOrigin: aSrc - ra.lo, aX, aXLen: aTables.x.length, aY, aYLen: aTables.y.length,
      bOrigin: bSrc - rb.lo, bX, bXLen: bTables.x.length, bY, bYLen: bTables.y.length, aBatch, bBatch,
    };
    const c = task.c as Float64Array | Float32Array;
    const scatter = chooseScatter(task.cRow, task.cCol);
    // A fresh C's first K span is stored, not added (scatter.ts: bitwise the same result).
    const fresh = task.cFresh === true;
    const ex: KernelExports = { block: this.block, block32: this.block32, pack: this.pack, pack32: this.pack32 };
    // A fresh C is mapped in on the first panel, while the workers compute the next phase
    // (the caller's write-back is C's only writer); any other C is prefaulted now.
    if (!fresh) prefault(c, task);
    let first = true;
    this.pool.run(job, ex, (chunk: Chunk) => {
      if (first) beforeWrite();
      first = false;
      // One MC block at a time, as the one-thread route does: a whole panel walked column by column would miss the cache.
      for (let r = 0; r < chunk.rows; r += mcMax) {
        touch(mem, chunk.at + r * ldc, Math.min(mcMax, chunk.rows - r) * ldc);
        scatter(c, task.cBatch[chunk.batch], task.cRow, task.cCol, chunk.c0 + r, Math.min(mcMax, chunk.rows - r), chunk.j0, chunk.nc, mem, chunk.at + r * ldc, ldc, fresh && chunk.first);
      }
    });
    this.lastThreads = threads;
    return true;
  }

  /** The float32 packer of one operand (`width`-lane strips): stages it now if planned. */
  private packer32(data: NumericData, tables: StripTables, staged: Staged32 | undefined, width: number): Packer {
    const mem = this.f32;
    const js: Packer = (base, x0, count, y0, len, at) => packStrips32(data, base, tables, x0, count, y0, len, mem, at, width);
    if (staged === undefined) return js;
    stage(data, staged.reach, mem, staged.srcAt);
    this.i32.set(tables.x, staged.xAt);
    this.i32.set(tables.y, staged.yAt);
    const pack32 = this.pack32;
    return (base, x0, count, y0, len, at) => {
      const strips = Math.floor(count / width);
      const origin = (staged.srcAt - staged.reach.lo + base) * 4;
      if (strips > 0) pack32(origin, (staged.xAt + x0) * 4, strips, (staged.yAt + y0) * 4, len, at * 4, width);
      const done = strips * width;
      if (done < count) js(base, x0 + done, count - done, y0, len, at + done * len);
    };
  }

  /** The packer of one operand: stages it (copy + tables) now if its layout says so. */
  private packer(op: OperandLayout): Packer {
    const mem = this.f64;
    const { staged, tables, data } = op;
    if (staged === undefined) return (base, x0, count, y0, len, at) => packStrips(data, base, tables, x0, count, y0, len, mem, at);
    stage(data, staged.reach, mem, staged.srcAt);
    this.i32.set(tables.x, staged.xAt * 2);
    this.i32.set(tables.y, staged.yAt * 2);
    const pack = this.pack;
    // Byte address of element offset 0 of the storage, for batch base `base`.
    const origin = (base: number) => (staged.srcAt - staged.reach.lo + base) * 8;
    return (base, x0, count, y0, len, at) => pack(origin(base), (staged.xAt * 2 + x0) * 4, count, (staged.yAt * 2 + y0) * 4, len, at * 8);
  }
}

/** Block sizes of one GEMM for an mr × nr micro-tile (one home for both dtypes). */
interface BlockSizes {
  readonly mr: number;
  readonly nr: number;
  readonly mcMax: number;
  readonly kcMax: number;
  readonly ncMax: number;
  /** K rows of B packed at once (a multiple of kcMax, capped by the B-span budget). */
  readonly span: number;
  /** Row pitch of the C block: nc plus one micro-tile width, so power-of-two widths (512, 1024) don't put a block column's rows in one cache set. */
  readonly ldc: number;
}

function blockSizes(task: GemmTask, options: WasmGemmOptions, mr: number, nr: number): BlockSizes {
  const blocking = options.blocking ?? WASM_BLOCKING;
  const mcMax = roundUp(Math.min(blocking.mc, task.m), mr);
  const kcMax = Math.min(blocking.kc, task.k);
  const ncMax = roundUp(Math.min(blocking.nc, task.n), nr);
  const budget = options.bSpanBudget ?? B_SPAN_BUDGET;
  const span = Math.min(task.k, Math.max(1, Math.floor(budget / (ncMax * kcMax))) * kcMax);
  return { mr, nr, mcMax, kcMax, ncMax, span, ldc: ncMax + nr };
}

/** What one dtype route gives the shared loop nest: its packers, its block kernel and its regions. */
interface Route {
  readonly packA: Packer;
  readonly packB: Packer;
  /** Multiplies the packed A block by the B panel at `bOffset` into the C block (`accumulate` 0: overwrite, 1: add). */
  readonly kernel: (mcPad: number, ncPad: number, kc: number, bOffset: number, accumulate: number) => void;
  readonly aAt: number;
  readonly bAt: number;
  readonly cAt: number;
  readonly mem: Float64Array | Float32Array;
}

/** The Goto loop nest over batch, N blocks, K spans, M blocks and K slices, scattering each C block into `c`. */
function sweep(task: GemmTask, c: Float64Array | Float32Array, sizes: BlockSizes, route: Route): void {
  const { m, n, k } = task;
  const { mr, nr, mcMax, kcMax, ncMax, span, ldc } = sizes;
  const { packA, packB, kernel, aAt, bAt, cAt, mem } = route;
  const scatter = chooseScatter(task.cRow, task.cCol);
  // A fresh C's first K span is stored, not added (scatter.ts: bitwise the same result).
  const fresh = task.cFresh === true;
  for (let batch = 0; batch < task.aBatch.length; batch++) {
    const aBase = task.aBatch[batch];
    const bBase = task.bBatch[batch];
    const cBase = task.cBatch[batch];
    for (let j0 = 0; j0 < n; j0 += ncMax) {
      const nc = Math.min(ncMax, n - j0);
      const ncPad = roundUp(nc, nr);
      for (let s0 = 0; s0 < k; s0 += span) {
        const sEnd = Math.min(k, s0 + span);
        // The panel of slice p0 starts at (p0 - s0) · ncPad: every panel before it has kcMax rows.
        for (let p0 = s0; p0 < sEnd; p0 += kcMax) packB(bBase, j0, nc, p0, Math.min(kcMax, sEnd - p0), bAt + (p0 - s0) * ncPad);
        for (let i0 = 0; i0 < m; i0 += mcMax) {
          const mc = Math.min(mcMax, m - i0);
          const mcPad = roundUp(mc, mr);
          for (let p0 = s0; p0 < sEnd; p0 += kcMax) {
            packA(aBase, i0, mc, p0, Math.min(kcMax, sEnd - p0), aAt);
            kernel(mcPad, ncPad, Math.min(kcMax, sEnd - p0), (p0 - s0) * ncPad, p0 === s0 ? 0 : 1);
          }
          scatter(c, cBase, task.cRow, task.cCol, i0, mc, j0, nc, mem, cAt, ldc, fresh && s0 === 0);
        }
      }
    }
  }
}

/** Decides whether an operand is staged and reserves its regions (the x table gets 4 spare lanes `pack` may read). */
function layoutOperand(
  data: NumericData, tables: StripTables, staging: "auto" | "never" | "always", alloc: (doubles: number) => number,
): OperandLayout {
  const r = reach(tables);
  const stageIt = staging === "never" ? false : staging === "always" ? canStage(r, data.length) : shouldStage(r, tables, data.length);
  if (!stageIt) return { data, tables, staged: undefined };
  const srcAt = alloc(r.size);
  const xAt = alloc(Math.ceil((tables.x.length + 4) / 2));
  const yAt = alloc(Math.ceil(tables.y.length / 2));
  return { data, tables, staged: { reach: r, srcAt, xAt, yAt } };
}

/**
 * Writes one byte per 4 KiB page of C's storage range back to itself (bits unchanged)
 * before the workers start, for a C that is not marked fresh (a caller's `out`): untouched
 * pages are otherwise faulted in one by one during the scatter's column walk (measured on
 * the B1 shape: scatter 125 ms instead of 30 ms). Reading before writing costs two faults
 * per untouched page; a fresh C (GemmTask.cFresh) is mapped in with writes instead
 * (faultInZeros), on the first panel.
 */
function prefault(c: Float64Array | Float32Array, task: GemmTask): void {
  if (!ArrayBuffer.isView(c)) return;
  const [bLo, bHi] = extremes(task.cBatch);
  const [rLo, rHi] = extremes(task.cRow);
  const [cLo, cHi] = extremes(task.cCol);
  const bytes = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
  const from = (bLo + rLo + cLo) * c.BYTES_PER_ELEMENT;
  const to = (bHi + rHi + cHi + 1) * c.BYTES_PER_ELEMENT;
  for (let i = from; i < to; i += 4096) bytes[i] = bytes[i];
}

function extremes(table: Int32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < table.length; i++) {
    lo = Math.min(lo, table[i]);
    hi = Math.max(hi, table[i]);
  }
  return [lo, hi];
}

/**
 * Reads a panel range front to back before the scatter walks it column by column: the
 * panel was written by another core, and a sequential pass lets the prefetcher stream
 * it over (the column walk alone pays one cross-core miss per line; measured 4× slower
 * on the B1 shape). The returned sum only keeps the loads from being optimized away.
 */
let touched = 0;
function touch(mem: Float64Array | Float32Array, at: number, count: number): void {
  let s = 0;
  for (let i = at; i < at + count; i += 8) s += mem[i];
  touched = s;
}
export function lastTouched(): number {
  return touched;
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
