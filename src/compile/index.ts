/// <reference lib="es2015.collection" />
// (The directive keeps this file's .d.ts, which names ReadonlyMap, compiling under a consumer's default target/lib.)
/**
 * Stage 3 — compile: {@link Plan} → {@link Program}. Chooses, for each contraction
 * step, the GEMM kernel (two float operands whose labels split into batch, M, N
 * and K groups large enough to pay for packing) or a generated loop nest. Loop
 * order is chosen at run time from the actual strides (the kernel cache is keyed
 * by that order), so a compiled program serves any layout of the same shapes.
 */
import { ContractionStep, Plan } from "../plan";
import { DType } from "../types";

/** Label groups of a GEMM-shaped step: C[batch, m, n] = Σ_k A[batch, m, k] · B[batch, k, n]. */
export interface GemmGroups {
  /** Position (within the step's inputs) of the operand playing A; the other is B. */
  readonly aInput: 0 | 1;
  readonly batch: readonly string[];
  readonly m: readonly string[];
  readonly n: readonly string[];
  readonly k: readonly string[];
  /** Labels summed in one operand only: reduced first by a loop nest (index by step input). */
  readonly reduceFirst: readonly [readonly string[], readonly string[]];
}

/** How one step runs. */
export type StepProgram =
  | { readonly kind: "loops"; readonly step: ContractionStep }
  | { readonly kind: "gemm"; readonly step: ContractionStep; readonly groups: GemmGroups };

/** A compiled einsum: the plan and how each of its steps executes. */
export interface Program {
  readonly plan: Plan;
  readonly dtype: DType;
  readonly steps: readonly StepProgram[];
}

/** Below this many multiply-adds per batch, packing costs more than it saves. */
const GEMM_MIN_WORK = 8192;
const GEMM_MIN_SIDE = 4;
/**
 * A free side under GEMM_MIN_SIDE (a matrix-vector product: the strided convolution's
 * `hwklc,klc->hw`) still goes to the GEMM when its dot products have at least this many
 * terms: the SIMD kernel, even with 3 of 4 tile columns idle, beats a scalar JS
 * reduction. Measured on the wasm backend, one run: 24×24 outputs · K 810 took 0.98 ms
 * in loops and 0.42 ms as a GEMM; 126×126 · K 9 (a 3×3 kernel) 0.50 vs 0.21 ms.
 */
const GEMV_MIN_K = 8;

function sizeOfLabels(labels: readonly string[], sizes: ReadonlyMap<string, number>): number {
  return labels.reduce((acc, l) => acc * sizes.get(l)!, 1);
}

/** Splits a two-operand step into GEMM groups, or null if it is not worth a GEMM. */
export function gemmGroups(step: ContractionStep, sizes: ReadonlyMap<string, number>, dtype: DType): GemmGroups | null {
  if (step.inputLabels.length !== 2 || dtype === "int32") return null;
  const [x, y] = step.inputLabels;
  const result = new Set(step.resultLabels);
  const inX = new Set(x);
  const inY = new Set(y);
  const batch = x.filter((l) => inY.has(l) && result.has(l));
  const xFree = x.filter((l) => !inY.has(l) && result.has(l));
  const yFree = y.filter((l) => !inX.has(l) && result.has(l));
  const k = x.filter((l) => inY.has(l) && !result.has(l));
  const reduceFirst: [string[], string[]] = [x.filter((l) => !inY.has(l) && !result.has(l)), y.filter((l) => !inX.has(l) && !result.has(l))];
  const mx = sizeOfLabels(xFree, sizes);
  const ny = sizeOfLabels(yFree, sizes);
  const kk = sizeOfLabels(k, sizes);
  // K may be small (a 3-channel conv has K = 3): packing still beats a load-store per multiply-add.
  const narrow = Math.min(mx, ny) < GEMM_MIN_SIDE;
  if ((narrow && kk < GEMV_MIN_K) || kk < 1 || mx * ny * kk < GEMM_MIN_WORK) return null;
  // The larger free side becomes M so the packed B panel (N side) stays small and hot.
  const swap = ny > mx;
  return {
    aInput: swap ? 1 : 0,
    batch,
    m: swap ? yFree : xFree,
    n: swap ? xFree : yFree,
    k: swap ? y.filter((l) => k.includes(l)) : k,
    reduceFirst,
  };
}

/** Compiles a plan for a computation dtype. */
export function compilePlan(plan: Plan, dtype: DType): Program {
  const steps = plan.steps.map((step): StepProgram => {
    const groups = gemmGroups(step, plan.sizes, dtype);
    return groups ? { kind: "gemm", step, groups } : { kind: "loops", step };
  });
  return { plan, dtype, steps };
}
