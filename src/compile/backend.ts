/**
 * The plain-JavaScript backend: generated (or interpreted) loop nests and the
 * packed GEMM kernel. Another backend (WebAssembly SIMD, worker threads) only has
 * to implement {@link Backend} — the parser, planner and compiler do not change.
 */
import { KernelCache, KernelCacheOptions } from "./cache";
import { gemm } from "./gemm";
import { faultInZeros } from "./pages";
import { SmallKKernels } from "./smallk";
import { loopShape } from "./loops";
import { Backend, GemmTask, LoopTask } from "./tasks";
import { WasmBackend } from "./wasm/backend";
import { wasmSimdSupported } from "./wasm/kernel";

export class JsBackend implements Backend {
  readonly name = "js";
  readonly cache: KernelCache;
  /** Small-K products (K ≤ 8) add into C in one pass; generated code, so only in "generated" mode. */
  private readonly smallK: SmallKKernels;

  constructor(options: KernelCacheOptions = {}) {
    this.cache = new KernelCache(options);
    this.smallK = new SmallKKernels({ generate: this.cache.mode === "generated" });
  }

  runLoops(task: LoopTask): void {
    this.cache.get(loopShape(task))(task);
  }

  runGemm(task: GemmTask): void {
    if (task.cFresh) faultInZeros(task.c as Float64Array);
    if (!this.smallK.run(task)) gemm(task);
  }
}

let shared: Backend | undefined;

/**
 * The backend used when none is passed: WebAssembly SIMD GEMM (loop nests in JS)
 * where the runtime supports wasm SIMD, else plain JS. Created on first use; it
 * then only grows its caches (it holds no settings that calls could change).
 */
export function defaultBackend(): Backend {
  shared ??= wasmSimdSupported() ? new WasmBackend() : new JsBackend();
  return shared;
}
