/**
 * einconv — einsum/tensordot DSL, strided window views and convolutions on scijs
 * ndarray. This root entry is the user's API and loads no notebook stack:
 *
 *   - `einconv`            einsum, tensordot, views, convolutions, the Conv2D layer (this file)
 *   - `einconv/notebook`   show, imshow, plotConv, benchmark, benchHeatmaps, charts (tslab + vega)
 *   - `einconv/internals`  parser, planner, kernel emitters, backends, cost model, blog-post recipes
 *
 * Pipeline of an einsum, in processing order:
 *   parse   (src/parse.ts)    spec string → Subscripts        (Ohm grammar, grammar/einsum.ohm)
 *   plan    (src/plan.ts)     Subscripts + shapes → Plan      (sizes, output, contraction path; no data)
 *   compile (src/compile/)    Plan → Program                  (GEMM or generated loop nest per step)
 *   run     (src/run.ts)      Program + ndarrays → ndarray    (through a kernel Backend)
 *
 * @example
 * import { einsum, fromNested } from "einconv";
 * import { show } from "einconv/notebook";
 * const c = einsum("ij,jk->ik", fromNested([[1, 2]]), fromNested([[3], [4]]));   // [[11]]
 */

// Tensors and errors
export type { DType, NumericData, Tensor, Shape } from "./types";
export { EinsumError, type Span } from "./errors";
export { zeros, fromFlat, fromNested, toNested, copy, dtypeOf, sizeOf, type Nested } from "./ndutil";
// numpy-style display in tslab/Deno for arrays built with plain ndarray() (einconv's own results already have it)
export { displayable, type DisplayableTensor } from "./display_hook";
// Making and comparing arrays (numpy's ones/full/arange/linspace/reshape, seeded rand/randn, allclose/assert_allclose)
export { ones, full, arange, linspace, reshape, type DTypeOption, type LinspaceOptions } from "./create";
export { rand, randn, type RandomOptions } from "./random";
export { allclose, maxAbsDiff, assertAllClose, broadcastShapes, AllCloseError, type CloseOptions, type CloseReport, type Comparable } from "./compare";

// einsum and friends
export { einsum, compile, Expression, type EinsumOptions, type ShapeOrTensor } from "./einsum";
export type { OptimizeOption } from "./plan";
export type { Sublist } from "./parse";
export { einsumPath, type PathInfo } from "./path";
export { explain, type Explanation, type ExplainedStep } from "./explain";
export { tensordot, type TensordotAxes } from "./tensordot";
// Choosing a kernel backend is a user option (EinsumOptions.backend); the classes live in einconv/internals.
export { createBackend, type CreateBackendOptions, type BackendKind } from "./compile/wasm";
export type { Backend } from "./compile/tasks";
// Threads of the GEMM (EINCONV_THREADS or setThreads; default: the core count)
export { setThreads, getThreads } from "./compile/threads/settings";

// Views (no copies: every function returns a view of the same buffer, except pad, which allocates)
export { asStrided, makeView, permute, slidingWindowView, viewAsWindows, windows, type WindowOptions, pad, assign } from "./views";

// Affine indices in the notation (windows, strides, dilations, flips, scatters) and einsum gradients
export { einsumVjp, type VjpOptions } from "./vjp";
export type { PadOption, LabelSizes } from "./affine_einsum";

// Convolutions, FFT convolution, the CNN layer and pooling
export { ConvError, outputSize, convInfo, type ConvInfo, type ConvMode, type ConvShapeOptions, type OutputSizeOptions, type PerAxis } from "./conv/info";
export { convolve, type ConvMethod, type ConvolveOptions } from "./conv/convolve";
export type { ConvMethodName } from "./conv/auto";
export { fftconvolve, correlate, type FFTConvolveOptions, type CorrelateOptions } from "./fft/convolve";
export { conv2dNHWC, nhwcInfo, type NHWCInfo, type NHWCOptions } from "./conv/nhwc";
export { Conv2D, type Conv2DOptions, type Conv2DGradients } from "./conv/layer";
export { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward, type Pool2DOptions } from "./conv/pool";
