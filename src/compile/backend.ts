/**
 * The plain-JavaScript backend: generated (or interpreted) loop nests and the
 * packed GEMM kernel. Another backend (WebAssembly SIMD, worker threads) only has
 * to implement {@link Backend} — the parser, planner and compiler do not change.
 */
import { KernelCache, KernelCacheOptions } from "./cache";
import { gemm } from "./gemm";
import { loopShape } from "./loops";
import { Backend, GemmTask, LoopTask } from "./tasks";

export class JsBackend implements Backend {
  readonly name = "js";
  readonly cache: KernelCache;

  constructor(options: KernelCacheOptions = {}) {
    this.cache = new KernelCache(options);
  }

  runLoops(task: LoopTask): void {
    this.cache.get(loopShape(task))(task);
  }

  runGemm(task: GemmTask): void {
    gemm(task);
  }
}

let shared: JsBackend | undefined;

/**
 * The backend used when none is passed: created on first use and then only
 * grows its kernel cache (it holds no settings that calls could change).
 */
export function defaultBackend(): JsBackend {
  shared ??= new JsBackend();
  return shared;
}
