/**
 * `einconv/internals`: the machinery under the public API, for notebooks that
 * show how it works, benchmarks and tests. Not covered by semver the way the
 * root entry is; a user computing with einconv needs only `einconv`.
 *
 * @example
 * import { Parser, planEinsum, compilePlan, emitLoops } from "einconv/internals";
 */

// Pipeline stages (parse → plan → compile → run)
export { Parser, type Subscripts, type Term, type TermItem, sublistToSpec } from "./parse";
export { parse } from "./einsum";
export { planEinsum, type Plan, type OperandPlan, type ContractionStep } from "./plan";
export { compilePlan, type Program, type StepProgram, type GemmGroups } from "./compile";
export { runProgram } from "./run";
export { formatPlan } from "./path";
export { caretMessage } from "./errors";

// Kernel layer: task records, backends, kernel emitters and their cache
export type { LoopTask, GemmTask, LoopOperand } from "./compile/tasks";
export { JsBackend, defaultBackend } from "./compile/backend";
export { WasmBackend, type WasmBackendOptions, WasmGemm, type WasmGemmOptions, wasmSimdSupported, relaxedSimdSupported, type KernelVariant, type KernelChoice } from "./compile/wasm";
export { KernelCache, type KernelCacheOptions } from "./compile/cache";
export { SmallKKernels, type SmallKShape, smallKShape, emitSmallK, SMALL_K_MAX_K, SMALL_K_MAX_N, SMALL_K_MAX_KN, SMALL_K_MAX_KN_F32 } from "./compile/smallk";
export { type LoopShape, emitLoops, loopShape, interpretLoops } from "./compile/loops";

// Convolution internals: padding/stride helpers, per-method kernels, the cost model,
// layer scatter helpers and the blog post's deliberately wrong input-gradient recipe.
export * from "./conv";
// FFT layer: plans, N-D real/complex transforms, spectra products, block splitting.
export * from "./fft";
export { INSPECT_CUSTOM, JUPYTER_DISPLAY } from "./display_hook";
// The blog post's deliberately wrong input-gradient recipe (notebook 06 shows where it fails).
export * from "./conv/post_recipe";
// The one convolution geometry (output sizes, padding, "same" conventions) built on affine indices.
export * from "./geometry";
// Affine-index planning: the derived zero-copy views behind an affine spec, and index arithmetic.
export { type AffineItem, type LabelItem, type EllipsisItem, hasAffine, itemLabels } from "./parse";
export { planAffine, type AffinePlan, type AffineOperand, derivedView, derivedShapes } from "./affine_einsum";
export { type AffineIndex, type AffineTerm, type IndexReach, indexReach, largestRange, startsInside, formatAffine } from "./affine";
