/**
 * FFT layer over fft.js (power-of-two sizes): plans, axis-by-axis N-D real and
 * complex transforms, and scipy-compatible `fftconvolve` / `correlate`.
 */
export { ConvError } from "./errors";
export { nextPow2, fftSize, isFFTSize, circularLength } from "./sizes";
export type { IndexRange } from "./sizes";
export { FFTPlans } from "./plan";
export type { RealView, Spectrum } from "./layout";
export { rfftAxis, fftAxis, irfftAxis, cropAxis } from "./axis";
export type { RealArray } from "./axis";
export { rfftn, irfftn, fftn } from "./nd";
export type { Crop } from "./nd";
export { multiplySpectra, accumulateCorrelation, broadcastShape } from "./products";
export { splitAxis, blockOutputs } from "./split";
export type { AxisSplit, BlockOutputs } from "./split";
export { planConv2dFFT } from "./plan2d";
export type { Conv2dFFTPlan, Conv2dFFTPlanOptions, Conv2dFFTWork } from "./plan2d";
export { fftconvolve, correlate } from "./convolve";
export type { ConvMode, FFTConvolveOptions, CorrelateOptions } from "./convolve";
