/**
 * Compiled loop nests, cached by {@link loopKey} (dtypes, loop count, stride
 * pattern) — never by sizes or stride values, so one kernel serves every call
 * with the same structure.
 */
import { LoopKernel, LoopShape, compileLoops, emitLoops, interpretLoops, loopKey } from "./loops";

/** How loop kernels are produced. */
export interface KernelCacheOptions {
  /** "generated" (default) uses `new Function`; "interpreted" never generates code. */
  readonly mode?: "generated" | "interpreted";
  /** Print each generated kernel's source the first time it is built. */
  readonly debug?: boolean;
  /** Where debug output goes (default `console.log`). */
  readonly log?: (text: string) => void;
}

export class KernelCache {
  private readonly kernels = new Map<string, { kernel: LoopKernel; source: string }>();
  readonly mode: "generated" | "interpreted";
  readonly debug: boolean;
  private readonly log: (text: string) => void;

  constructor(options: KernelCacheOptions = {}) {
    this.mode = options.mode ?? (canGenerateCode() ? "generated" : "interpreted");
    this.debug = options.debug ?? process.env.EINCONV_DEBUG === "1";
    this.log = options.log ?? ((text) => console.log(text));
  }

  /** The kernel for a loop shape, generating it on first use. */
  get(shape: LoopShape): LoopKernel {
    return this.entry(shape).kernel;
  }

  /** The JavaScript source of a loop shape's kernel (what `debug` prints). */
  source(shape: LoopShape): string {
    return this.entry(shape).source;
  }

  /** Number of distinct kernels built so far. */
  get size(): number {
    return this.kernels.size;
  }

  private entry(shape: LoopShape): { kernel: LoopKernel; source: string } {
    const key = loopKey(shape);
    let entry = this.kernels.get(key);
    if (!entry) {
      const source = emitLoops(shape);
      const kernel = this.mode === "generated" ? compileLoops(source) : interpretLoops;
      entry = { kernel, source };
      this.kernels.set(key, entry);
      if (this.debug) this.log(`[einconv] ${this.mode} kernel ${key}\n${source}`);
    }
    return entry;
  }
}

/** False where `new Function` is blocked (e.g. a Content-Security-Policy without unsafe-eval). */
export function canGenerateCode(): boolean {
  try {
    return new Function("return 1")() === 1;
  } catch {
    return false;
  }
}
