/**
 * FFT layer over fft.js (power-of-two sizes): plans, axis-by-axis N-D real and
 * complex transforms, and scipy-compatible `fftconvolve` / `correlate`.
 * Also the 2-D transposed half-spectrum engine (`plane.ts`) that `conv2dFFT` runs on.
 * A plain N-D transform library: the convolution-specific planning (stride split,
 * overlap-save blocks, cost model) lives with `conv2dFFT` in `src/conv/fft/`.
 * `fftconvolve` / `correlate` stay here: they are scipy.signal's N-D functions
 * (any rank, any axes, no stride or dilation), i.e. transforms plus a crop.
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
export {
  rowSpectra, columnSpectra, accumulateColumns, inverseRows, newPlaneSpectrum, planeBins,
} from "./plane";
export type { JobRange, PlaneSize, KernelColumns, SumPosition, RowTarget } from "./plane";
export { multiplySpectra, accumulateCorrelation, broadcastShape } from "./products";
export { fftconvolve, correlate } from "./convolve";
export type { ConvMode, FFTConvolveOptions, CorrelateOptions } from "./convolve";
