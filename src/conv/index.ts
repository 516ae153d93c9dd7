/**
 * Convolutions over `ndarray` views: shape arithmetic, padding/stride helpers,
 * `convolve` (FFT, sub-matrix, strided view, auto), NHWC convolution, the CNN
 * layer and pooling. Cross-correlation (no kernel flip) throughout, as in CNNs.
 * Every output size and padding comes from the one geometry in src/geometry.ts.
 *
 * The reference post's deliberately wrong dX recipe (`post_recipe.ts`) is not exported
 * here: it is a demonstration for notebook 06, importable from its module file.
 */
export { ConvError, outputSize, convInfo, convAxis, modePadding } from "./info";
export type { ConvInfo, ConvMode, ConvShapeOptions, OutputSizeOptions, PerAxis } from "./info";
export { padND, padSpatial, pickStrided, repeatKernel, checkShape } from "./padding";
export type { AxisPadding, ConvOperands } from "./padding";
export { correlateSubmatrix } from "./submatrix";
export { convWindows, correlateStrided } from "./strided";
export { convolve, convolveWith } from "./convolve";
export type { ConvMethod, ConvolveOptions } from "./convolve";
export { CONV_METHODS, DEFAULT_CONV_COSTS, SPILL_CACHE_BYTES, chooseConvMethod, convCostFeatures, estimateConvCosts, machineConvCosts } from "./auto";
export type { ConvCostConstants, ConvCostEstimates, ConvCostFeatures, ConvMethodChoice, ConvMethodName, MachineConvCosts } from "./auto";
export { MEASURE_DEFAULTS, convGeometryKey, convolveMeasured, measureCandidates, timeCandidates } from "./measure";
export type { CandidateTiming, MeasureOptions, MeasuredCall, OperandLike } from "./measure";
export { ConvWisdom, WISDOM_FORMAT, WISDOM_LIMIT, WISDOM_VERSION, clearConvWisdom, convWisdomStats, defaultConvWisdom, exportConvWisdom, importConvWisdom } from "./wisdom";
export type { ConvWisdomStats, WisdomEntry } from "./wisdom";
export { explainConv } from "./explain_conv";
export type { ConvExplanation } from "./explain_conv";
export { conv2dNHWC, conv2dNHWCNaive, conv2dNHWCPerTap, nhwcInfo, nhwcWindows } from "./nhwc";
export type { NHWCInfo, NHWCOptions } from "./nhwc";
export * from "./fft";
export * from "./layer";
export * from "./pool";
