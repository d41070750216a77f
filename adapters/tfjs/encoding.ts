/**
 * TF.js one_hot and multi_hot, as JAX computes them: each index compared with arange(num_classes) along
 * the class axis. tf.oneHot takes int32 indices only and puts the class dim last; the comparison works
 * for float indices too (a fractional or NaN index matches no class) and for any axis.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Kernels } from '../../src/ops/table.js';
import { cast, where } from './gpu-layout.js';
import { max } from './gpu-math.js';

/** Where each index equals a class: bool, the class dim inserted at `axis`. */
function matches(indices: tf.Tensor, numClasses: number, axis: number): tf.Tensor {
  const rank = indices.rank + 1;
  const classShape = Array.from({ length: rank }, (_, d) => (d === axis ? numClasses : 1));
  const classes = tf.reshape(tf.range(0, numClasses, 1, indices.dtype === 'int32' ? 'int32' : 'float32'), classShape);
  return tf.equal(tf.expandDims(indices, axis), classes);
}

/**
 * Keras's cast(inputs, "int32") on XLA: NaN becomes 0 and the rest truncate (saturating; a saturated
 * value matches no class, so truncation in float32 is enough and avoids TF.js's wrapping casts).
 */
function xlaInt32(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32') return cast(x, 'int32');
  const finite = where(tf.isNaN(x), tf.zerosLike(x), x);
  return tf.mul(tf.sign(finite), tf.floor(tf.abs(finite)));
}

export const encodingKernels: Pick<Kernels<tf.Tensor>, 'one_hot' | 'multi_hot'> = {
  one_hot: ({ x }, { numClasses, axis }, out) => cast(matches(x, numClasses, axis), out.dtype),
  // max over the reduction axis of the one-hot tensor, taken in float32 (0 and 1 are exact): a bool
  // any() transposes bool data when the axis is not last, which webgpu's transpose gets wrong
  // (adapters/tfjs/gpu-layout.ts). wasm's reductions divide by zero on an empty tensor; the resolver already
  // rejects an empty reduced dim, so the result is empty.
  multi_hot: ({ inputs }, { numClasses, axis, reductionAxis }, out) => {
    if (inputs.size === 0 || numClasses === 0) return tf.zeros(out.shape, out.dtype);
    const hits = cast(matches(xlaInt32(inputs), numClasses, axis), 'float32');
    return cast(max(hits, reductionAxis), out.dtype);
  },
};
