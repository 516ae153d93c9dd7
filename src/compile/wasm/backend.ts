/**
 * A {@link Backend} whose GEMM runs in WebAssembly SIMD (see kernel.ts) and whose
 * loop nests are the plain-JS ones. The parser, planner and compiler are untouched:
 * pass it as `einsum(spec, ...operands, { backend })`.
 */
import { JsBackend } from "../backend";
import { KernelCacheOptions } from "../cache";
import { gemm } from "../gemm";
import { Backend, GemmTask, LoopTask } from "../tasks";
import { EinsumError } from "../../errors";
import { KernelChoice, KernelVariant, WasmGemm, WasmGemmOptions, checkGemmOptions, relaxedSimdSupported, wasmSimdSupported } from "./kernel";

/** Options of {@link WasmBackend}. */
export interface WasmBackendOptions {
  /** Backend for loop nests and the GEMM fallback (default: a new JsBackend). */
  readonly js?: JsBackend;
  /** Blocking and staging of the wasm GEMM (defaults are tuned; see {@link WasmGemmOptions}). */
  readonly gemm?: WasmGemmOptions;
  /** Loop-kernel options for the JsBackend created when `js` is not given. */
  readonly loops?: KernelCacheOptions;
  /**
   * Kernel build: "auto" (default) = the relaxed-SIMD FMA kernel when the engine
   * validates it, else the plain one; "plain" forces mul + add; "relaxed" throws an
   * EinsumError when relaxed SIMD is unavailable.
   */
  readonly variant?: KernelChoice;
}

/**
 * GEMMs through WebAssembly SIMD, loops through plain JS. Falls back to the JS GEMM
 * when the engine has no WebAssembly or no SIMD (`usesWasm` says which). Large GEMMs
 * are split over worker threads (see src/compile/threads/ and `setThreads`;
 * `gemm.threads` overrides the count for this backend). Each
 * instance owns its (shared) wasm memory: the pack and C-block buffers (≈ 3.4 MB at the
 * default blocking) plus, for operands that get staged, a float64 (float32 for float32 GEMMs) copy of the
 * storage the GEMM reads (at most 128 MiB each; see pack.ts). It grows to the
 * largest call so far and is reused, never shrunk — drop the backend to free it.
 *
 * @example
 * import { einsum } from "einconv";
 * import { WasmBackend } from "einconv/internals";
 * const backend = new WasmBackend();
 * const c = einsum("ij,jk->ik", a, b, { backend });
 */
export class WasmBackend implements Backend {
  readonly name: string;
  /** True when GEMMs really run in wasm (false: the JS fallback). */
  readonly usesWasm: boolean;
  readonly js: JsBackend;
  readonly gemmOptions: WasmGemmOptions;
  private readonly kernel: WasmGemm | undefined;

  constructor(options: WasmBackendOptions = {}) {
    this.js = options.js ?? new JsBackend(options.loops);
    this.gemmOptions = options.gemm ?? {};
    try {
      checkGemmOptions(this.gemmOptions);
    } catch (err) {
      throw new EinsumError(`WasmBackend: ${(err as Error).message}`);
    }
    const choice = options.variant ?? "auto";
    if (choice === "relaxed" && wasmSimdSupported() && !relaxedSimdSupported()) {
      throw new EinsumError("WasmBackend: relaxed SIMD is not available (Node 22+, or Node 20 with --experimental-wasm-relaxed-simd); use variant \"auto\" or \"plain\"");
    }
    // Small-K GEMMs use generated code: not when the loop nests were asked to be interpreted.
    this.kernel = WasmGemm.create(choice, { generateCode: this.js.cache.mode === "generated" });
    this.usesWasm = this.kernel !== undefined;
    this.variant = this.kernel?.variant;
    // The name stays "wasm-simd" for both builds (bench tables key on it); `variant` tells them apart.
    this.name = this.usesWasm ? "wasm-simd" : "wasm-simd (js fallback)";
  }

  /** The kernel build in use ("plain" or "relaxed"), undefined on the JS fallback. */
  readonly variant: KernelVariant | undefined;

  /** Bytes of wasm linear memory this backend holds (0 on the JS fallback). */
  get wasmMemoryBytes(): number {
    return this.kernel?.memoryBytes ?? 0;
  }

  /** Threads the last wasm GEMM of this backend used (1: the calling thread alone; a debug field). */
  get lastGemmThreads(): number {
    return this.kernel?.lastThreads ?? 1;
  }

  /** The wasm kernel (undefined on the JS fallback): its shared memory and worker pool also run the FFT engine's passes. */
  get wasmKernel(): WasmGemm | undefined {
    return this.kernel;
  }

  runLoops(task: LoopTask): void {
    this.js.runLoops(task);
  }

  runGemm(task: GemmTask): void {
    if (this.kernel) this.kernel.run(task, this.gemmOptions);
    else gemm(task);
  }
}

/** Which backend {@link createBackend} builds. */
export type BackendKind = "js" | "wasm" | "auto";

/** Options of {@link createBackend}. */
export interface CreateBackendOptions {
  /** "js": plain JS; "wasm": WebAssembly SIMD GEMM (throws if unavailable); "auto" (default): wasm when available, else js. */
  readonly kind?: BackendKind;
  /** Loop-kernel options (interpreted mode, debug printing) for the JS loop nests. */
  readonly loops?: KernelCacheOptions;
}

/**
 * Builds a kernel backend.
 *
 * @example
 * const backend = createBackend({ kind: "auto" });
 * backend.name;                                  // "wasm-simd" on Node ≥ 16, else "js"
 * einsum("bihwkl,oikl->bohw", win, w, { backend });
 */
export function createBackend(options: CreateBackendOptions = {}): Backend {
  const kind = options.kind ?? "auto";
  if (kind === "js") return new JsBackend(options.loops);
  if (kind === "wasm" && !wasmSimdSupported()) {
    throw new EinsumError("createBackend: WebAssembly SIMD is not available in this JavaScript engine (use kind \"js\" or \"auto\")");
  }
  if (kind !== "wasm" && kind !== "auto") throw new EinsumError(`createBackend: unknown kind "${String(kind)}" (expected "js", "wasm" or "auto")`);
  return wasmSimdSupported() ? new WasmBackend({ loops: options.loops }) : new JsBackend(options.loops);
}
