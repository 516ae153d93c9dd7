/**
 * einconv — einsum/tensordot DSL, strided window views and convolutions on scijs
 * ndarray, for TypeScript notebooks (tslab).
 *
 * Pipeline of an einsum, in processing order:
 *   parse   (src/parse.ts)    spec string → Subscripts        (Ohm grammar, grammar/einsum.ohm)
 *   plan    (src/plan.ts)     Subscripts + shapes → Plan      (sizes, output, contraction path; no data)
 *   compile (src/compile/)    Plan → Program                  (GEMM or generated loop nest per step)
 *   run     (src/run.ts)      Program + ndarrays → ndarray    (through a kernel Backend)
 *
 * @example
 * import ndarray from "ndarray";
 * import { einsum, windows } from "einconv";
 * const c = einsum("ij,jk->ik", a, b);
 */
export type { DType, NumericData, Tensor, Shape } from "./types";
export { EinsumError, Span, caretMessage } from "./errors";
export { zeros, fromFlat, fromNested, toNested, copy, dtypeOf, sizeOf, Nested } from "./ndutil";

// The einsum pipeline
export { Parser, Subscripts, Term, TermItem, Sublist, sublistToSpec } from "./parse";
export { planEinsum, Plan, OperandPlan, ContractionStep, OptimizeOption } from "./plan";
export { compilePlan, Program, StepProgram, GemmGroups } from "./compile";
export { runProgram } from "./run";
export { einsum, compile, parse, Expression, EinsumOptions, ShapeOrTensor } from "./einsum";
export { einsumPath, formatPlan, PathInfo } from "./path";
export { tensordot, TensordotAxes } from "./tensordot";

// --- issue 9 (w9dsl): affine index expressions and einsum gradients ---
export { AffineItem, LabelItem, EllipsisItem, hasAffine, itemLabels } from "./parse";
export { planAffine, AffinePlan, AffineOperand, PadOption, LabelSizes, derivedView, derivedShapes } from "./affine_einsum";
export { AffineIndex, AffineTerm, IndexReach, indexReach, largestRange, startsInside, formatAffine } from "./affine";
export { einsumVjp, VjpOptions } from "./vjp";
// --- end issue 9 (w9dsl) ---

// Kernel layer
export { Backend, LoopTask, GemmTask, LoopOperand } from "./compile/tasks";
export { JsBackend, defaultBackend } from "./compile/backend";
export { WasmBackend, WasmBackendOptions, createBackend, CreateBackendOptions, BackendKind, WasmGemm, WasmGemmOptions, wasmSimdSupported } from "./compile/wasm";
export { KernelCache, KernelCacheOptions } from "./compile/cache";
export { LoopShape, emitLoops, loopShape, interpretLoops } from "./compile/loops";

// Views
export { asStrided, makeView, permute, slidingWindowView, viewAsWindows, windows, WindowOptions, pad, assign } from "./views";
export { explain, Explanation, ExplainedStep } from "./explain";

// Convolutions (convolve, NHWC, Conv2D layer, pooling) and the FFT layer
export * from "./conv";
export * from "./fft";

// Notebook helpers (tslab): show, imshow, plotConv, benchmark, benchHeatmaps, charts
export * from "./notebook";
