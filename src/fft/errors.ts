import { EinsumError } from "../errors";
import { assertTensor } from "../validate";
import { Tensor } from "../types";

/**
 * Error thrown by the FFT layer and the convolutions for invalid arguments
 * (bad sizes, mismatched shapes, unknown modes).
 *
 * A subclass of einconv's single error type, so `instanceof EinsumError`
 * catches every einconv error, while `instanceof ConvError` singles out the
 * convolution ones. (It keeps EinsumError's `name`, which is typed as that
 * literal.)
 *
 * @example
 * try { conv2dFFT(x, bigKernel, { stride: [1, 1] }); } catch (e) { if (e instanceof ConvError) console.log(e.message); }
 */
export class ConvError extends EinsumError {
  constructor(message: string) {
    super(message);
  }
}

/** An ndarray check that reports as a ConvError (the convolution API's error type). */
export function assertConvOperand(x: unknown, what: string): asserts x is Tensor {
  assertTensor(x, what, ConvError);
}
