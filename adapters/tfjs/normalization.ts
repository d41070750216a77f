/**
 * TF.js moments, batch_normalization, normalize, rms_normalization and layer_normalization, with the
 * formulas Keras computes on JAX, in float32 as JAX does: so the float32 overflows of Keras (|x|^p or a
 * sum of squares past 3.4e38) happen here too. int32 and bool inputs are cast to float32 first, as JAX
 * promotes them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConcreteSpec } from '../../src/dtypes.js';
import type { LayerNormalizationAttrs, NormalizeAttrs } from '../../src/ops/normalization.js';
import type { Kernels } from '../../src/ops/table.js';
import { cast, where } from './gpu-layout.js';
import { div, max, pow } from './gpu-math.js';

type NormalizationKernels = Pick<
  Kernels<tf.Tensor>,
  'moments' | 'batch_normalization' | 'normalize' | 'rms_normalization' | 'layer_normalization'
>;

export const float = (x: tf.Tensor): tf.Tensor => (x.dtype === 'float32' ? x : cast(x, 'float32'));

/**
 * lax.rsqrt as XLA computes it on the CPU, 1 / sqrt(x) rounded twice in float32 (so does the wasm
 * kernel); TF.js's cpu Rsqrt rounds once from float64, and near-cancelling batch_normalization sums
 * turned that one-ULP difference into 4.8e-7 of 1e-6.
 */
export const rsqrt = (x: tf.Tensor): tf.Tensor => div(1, tf.sqrt(x));

/**
 * jnp.mean: the sum divided by the count (TF.js's cpu mean divides each term first). Over no elements
 * JAX gives 0/0 = NaN, where TF.js's cpu gives 0 and its wasm reads unset memory. An empty x reduced over
 * non-empty axes has an empty result, made here: the wasm Sum traps ("divide by zero") on it (found by
 * keras-parity fuzz, golden case moments/found-empty-kept-dim).
 */
function mean(x: tf.Tensor, axes: number[]): tf.Tensor {
  const count = axes.reduce((n, d) => n * x.shape[d], 1);
  if (count === 0 || x.size === 0) return tf.fill(x.shape.map((d, i) => (axes.includes(i) ? 1 : d)), NaN);
  return div(tf.sum(x, axes, true), count);
}

/** jnp.mean then jnp.var (two passes: the mean of the squared deviations from the mean), kept dims. */
export function moments(x: tf.Tensor, axes: number[]): [tf.Tensor, tf.Tensor] {
  // TF.js reads an empty axis list as "every axis"; over no axes the mean is x and the deviation x - x.
  if (axes.length === 0) return [x, tf.square(tf.sub(x, x))];
  const m = mean(x, axes);
  return [m, mean(tf.square(tf.sub(x, m)), axes)];
}

/** x * inv + (offset - mean * inv), inv = rsqrt(variance + eps) * scale, each vector along `axis`. */
function batchNormalization(
  { x, mean, variance, offset, scale }: Record<'x' | 'mean' | 'variance', tf.Tensor> & Record<'offset' | 'scale', tf.Tensor | null>,
  axis: number,
  epsilon: number,
): tf.Tensor {
  const shape = x.shape.map((_, d) => (d === axis ? mean.shape[0] : 1));
  const along = (v: tf.Tensor) => tf.reshape(float(v), shape);
  let inv = rsqrt(tf.add(along(variance), epsilon));
  if (scale) inv = tf.mul(inv, along(scale));
  let shift = tf.mul(tf.neg(along(mean)), inv);
  if (offset) shift = tf.add(shift, along(offset));
  return tf.add(tf.mul(float(x), inv), shift);
}

function normalize(x: tf.Tensor, { norm, axes, order, epsilon }: NormalizeAttrs): tf.Tensor {
  // An empty x has an empty result, made here: the wasm Sum traps ("divide by zero") and the GPUs'
  // reshape a NaN dim on it (found by keras-parity fuzz, golden cases normalize/found-empty-*).
  if (x.size === 0) return tf.zeros(x.shape);
  if (norm === 'l2') {
    const inv = rsqrt(tf.sum(tf.square(x), axes, true));
    return tf.mul(x, tf.minimum(inv, 1 / epsilon));
  }
  const abs = tf.abs(x);
  let n: tf.Tensor;
  if (norm === 'matrix1') {
    // jnp.linalg.norm(ord=1, axis=(row, col)): the largest column sum.
    n = max(tf.sum(abs, axes[0], true), axes[1], true);
  } else if (order === 1) {
    n = tf.sum(abs, axes, true);
  } else {
    n = pow(tf.sum(pow(abs, order), axes, true), 1 / order);
  }
  return div(x, tf.maximum(n, epsilon));
}

/** x * rsqrt(mean(x^2) + epsilon), then * scale; over no axes the mean of x^2 is x^2. */
function rmsNormalization(x: tf.Tensor, scale: tf.Tensor | null, axes: number[], epsilon: number): tf.Tensor {
  const squares = tf.square(x);
  const out = tf.mul(x, rsqrt(tf.add(axes.length ? mean(squares, axes) : squares, epsilon)));
  return scale ? tf.mul(out, float(scale)) : out;
}

/** x * inv + (beta - mean * inv), inv = rsqrt(variance + epsilon) * gamma, in Keras's order. */
function layerNormalization(
  { x, gamma, beta }: { x: tf.Tensor; gamma: tf.Tensor | null; beta: tf.Tensor | null },
  { axes, epsilon, gammaShape, betaShape }: LayerNormalizationAttrs,
): tf.Tensor {
  const [m, variance] = moments(x, axes);
  let inv = rsqrt(tf.add(variance, epsilon));
  if (gamma) inv = tf.mul(inv, tf.reshape(float(gamma), gammaShape as number[]));
  let res = tf.mul(tf.neg(m), inv);
  if (beta) res = tf.add(res, tf.reshape(float(beta), betaShape as number[]));
  return tf.add(tf.mul(x, inv), res);
}

/** The largest float32 below 2^31. */
const INT32_TOP = 2147483520;

/**
 * Keras casts the float32 result back to x's dtype, as XLA converts: to int32 NaN gives 0 and the rest
 * truncate and saturate (TF.js's casts wrap or differ there); to bool NaN is true.
 */
function castBack(y: tf.Tensor, dtype: tf.DataType): tf.Tensor {
  if (dtype === 'float32') return y;
  const nan = tf.isNaN(y);
  if (dtype === 'bool') return tf.logicalOr(nan, cast(y, 'bool'));
  const ints = cast(tf.clipByValue(where(nan, tf.zerosLike(y), y), -2147483648, INT32_TOP), 'int32');
  return where(tf.greaterEqual(y, 2 ** 31), tf.scalar(2147483647, 'int32'), ints);
}

/** An empty result is made directly: the wasm Sum traps on empty input (see `mean`). */
function normalized(out: ConcreteSpec, compute: () => tf.Tensor): tf.Tensor {
  if (out.shape.includes(0)) return tf.zeros(out.shape, out.dtype);
  return tf.reshape(castBack(compute(), out.dtype), out.shape);
}

export const normalizationKernels: NormalizationKernels = {
  moments: ({ x }, { axes }, [meanSpec, varianceSpec]) =>
    moments(float(x), axes).map((t, i) => tf.reshape(t, (i === 0 ? meanSpec : varianceSpec).shape)),
  batch_normalization: (inputs, { axis, epsilon }, out) => tf.reshape(batchNormalization(inputs, axis, epsilon), out.shape),
  // A 0-D x arrives as one value; the output spec has its (1,) shape.
  normalize: ({ x }, attrs, out) => normalize(tf.reshape(float(x), out.shape), attrs),
  // A 0-D x counts as (1,).
  rms_normalization: ({ x, scale }, { axes, epsilon }, out) =>
    normalized(out, () => rmsNormalization(float(x.rank === 0 ? tf.reshape(x, [1]) : x), scale, axes, epsilon)),
  layer_normalization: ({ x, ...rest }, attrs, out) => normalized(out, () => layerNormalization({ x: float(x), ...rest }, attrs)),
};
