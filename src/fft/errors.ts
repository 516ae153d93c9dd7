/**
 * Error thrown by the FFT layer and the FFT convolutions for invalid arguments
 * (bad sizes, mismatched shapes, unknown modes).
 *
 * Kept local so this module does not depend on the engine; it is a plain
 * `Error` subclass with a stable `name`, so callers can test `instanceof ConvError`.
 */
export class ConvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConvError";
  }
}
