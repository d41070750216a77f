/** Reference one_hot and multi_hot: JAX compares each index with arange(num_classes). */
import type { Kernels } from '../../src/ops/table.js';
import { fromValues, sizeOf, stridesOf, values, walkStrided, type RefArray } from './ndarray.js';

/**
 * Writes a 1 at each index's place in the one-hot tensor (the class dim inserted at `axis`). With a
 * `reductionAxis` (multi_hot's max), places along that dim of the one-hot tensor land on the same
 * output cell, so the one-hot tensor is never built. An index that equals no class (negative, too
 * large, fractional, NaN) writes nothing.
 */
function scatterOnes(
  indices: Float64Array,
  shape: readonly number[],
  numClasses: number,
  axis: number,
  reductionAxis: number | null,
  outShape: readonly number[],
): Float64Array {
  const oneHotRank = shape.length + 1;
  const outStrides = stridesOf(outShape);
  // The output stride of each one-hot dim; 0 for the reduced one.
  const stride = Array.from({ length: oneHotRank }, (_, d) =>
    d === reductionAxis ? 0 : outStrides[reductionAxis !== null && d > reductionAxis ? d - 1 : d],
  );
  const inStride = shape.map((_, j) => stride[j < axis ? j : j + 1]);
  const out = new Float64Array(sizeOf(outShape));
  walkStrided(shape, inStride, (f, base) => {
    const cls = indices[f];
    if (Number.isInteger(cls) && cls >= 0 && cls < numClasses) out[base + cls * stride[axis]] = 1;
  });
  return out;
}

/** XLA's float-to-int32 conversion, as Keras's cast(x, "int32"): NaN gives 0, the rest truncate and saturate. */
function toInt32(v: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.trunc(Math.min(Math.max(v, -2147483648), 2147483647));
}

export const encodingKernels: Pick<Kernels<RefArray>, 'one_hot' | 'multi_hot'> = {
  one_hot: ({ x }, { numClasses, axis }, out) =>
    fromValues(scatterOnes(values(x), x.shape, numClasses, axis, null, out.shape), out.shape, out.dtype),
  multi_hot: ({ inputs }, { numClasses, axis, reductionAxis }, out) => {
    const indices = values(inputs).map(toInt32);
    return fromValues(scatterOnes(indices, inputs.shape, numClasses, axis, reductionAxis, out.shape), out.shape, out.dtype);
  },
};
