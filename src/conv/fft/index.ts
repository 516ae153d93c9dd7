/**
 * The convolution-specific FFT method: `conv2dFFT` (2-D strided valid
 * cross-correlation), its planner (polyphase split and overlap-save blocks per
 * axis) and the one FFT cost model shared by the planner and `auto`. Built on the
 * plain N-D transform library in `src/fft`.
 */
export { conv2dFFT } from "./conv2d";
export type { Conv2dFFTOptions } from "./conv2d";
export { FFT_THREAD_MIN } from "./runner";
export type { FFTThreadOptions, FFTWorkSize } from "./runner";
export { planConv2dFFT } from "./plan";
export type { Conv2dFFTPlan, Conv2dFFTPlanOptions } from "./plan";
export { FFT_COST_WEIGHTS, fftWork, fftWorkCost } from "./cost";
export type { Conv2dFFTWork, FFTCostWeights } from "./cost";
export { splitAxis, blockOutputs } from "./split";
export type { AxisSplit, BlockOutputs } from "./split";
