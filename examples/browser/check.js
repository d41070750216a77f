// @ts-check
/**
 * Does a backend's result match the reference backend's? A float32 sum of L terms may be off by about
 * L·ε times the size of its terms (ε = 2⁻²³, float32's machine epsilon), and backends sum in different
 * orders, so a fixed tolerance (keras-parity's float32 default is 1e-6 + 1e-6·|ref|) fails long sums for
 * rounding alone. The check allows
 *
 *     |got − ref| ≤ 1e-6 + L·ε·max|ref|
 *
 * where L is the op's accumulation length and max|ref| (the largest reference value) stands for the size
 * of the terms. Imported by the page and by spec/example-page.spec.ts; it imports nothing.
 */

export const EPSILON = 2 ** -23;
export const ATOL = 1e-6;

/**
 * conv: every output sums kernel height × kernel width × input channels products.
 * @param {number[]} kernelShape (height, width, in, out)
 */
export function convAccumulation(kernelShape) {
  return kernelShape[0] * kernelShape[1] * kernelShape[2];
}

/**
 * attention: a logit sums H products (head size), then the softmax and the weighted sum of values each
 * sum over the S keys.
 * @param {number[]} keyShape (batch, S, heads, H)
 */
export function attentionAccumulation(keyShape) {
  return keyShape[3] + keyShape[1];
}

/**
 * @typedef {{ matches: boolean, maxAbsError: number, tolerance: number, accumulation: number }} Check
 */

/**
 * The largest error allowed against `reference`: ATOL + L·ε·max|ref|.
 * @param {ArrayLike<number>} reference
 * @param {number} accumulation L, the number of terms each output sums
 */
export function tolerance(reference, accumulation) {
  let maxRef = 0;
  for (let i = 0; i < reference.length; i++) maxRef = Math.max(maxRef, Math.abs(reference[i]));
  return ATOL + accumulation * EPSILON * maxRef;
}

/**
 * A NaN or infinity where the reference has a finite value is a mismatch (its error is NaN or infinite).
 * @param {ArrayLike<number>} got
 * @param {ArrayLike<number>} reference
 * @param {number} accumulation L, the number of terms each output sums
 * @returns {Check}
 */
export function compare(got, reference, accumulation) {
  if (got.length !== reference.length) {
    throw new RangeError(`got ${got.length} values, the reference has ${reference.length}`);
  }
  let maxAbsError = 0;
  // Math.max keeps a NaN, which then fails the test below.
  for (let i = 0; i < got.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(got[i] - reference[i]));
  const allowed = tolerance(reference, accumulation);
  return { matches: maxAbsError <= allowed, maxAbsError, tolerance: allowed, accumulation };
}
