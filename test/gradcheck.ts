/** Numerical gradients for the backward-pass tests. */

export const EPS = 1e-6;

/** Central-difference gradient of `loss` with respect to every element of `data` (mutated and restored). */
export function numericalGradient(data: Float64Array, loss: () => number): Float64Array {
  const grad = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const saved = data[i];
    data[i] = saved + EPS;
    const plus = loss();
    data[i] = saved - EPS;
    const minus = loss();
    data[i] = saved;
    grad[i] = (plus - minus) / (2 * EPS);
  }
  return grad;
}
