/**
 * TF.js losses: the three crossentropies (no reduction) and psnr, composed from TF.js ops with the
 * formulas Keras 3.6 computes on JAX, in float32.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Kernels } from '../../src/ops/table.js';
import { cast, where } from './gpu-layout.js';
import { div, exp, log, max } from './gpu-math.js';

type LossKernels = Pick<
  Kernels<tf.Tensor>,
  'binary_crossentropy' | 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'psnr'
>;

// backend.epsilon() = 1e-7; TF.js rounds the bounds to float32 as JAX does.
export const EPSILON = 1e-7;

export const asFloat = (x: tf.Tensor): tf.Tensor => (x.dtype === 'float32' ? x : cast(x, 'float32'));

/** jnp.clip: minimum(maximum(x, lo), hi), which keeps NaN (wasm's clipByValue turns NaN into lo). */
export const clipProbability = (x: tf.Tensor): tf.Tensor => tf.minimum(tf.maximum(x, EPSILON), 1 - EPSILON);

/**
 * log1p(u) for u in [0, 1]. TF.js 4.22's wasm log1p is log(1 + u) (measured), which loses every digit below
 * 2^-24 (log1p(1e-9) = 0); Goldberg's correction log(w) * u / (w - 1), w = 1 + u, is accurate to a few
 * ulps wherever log is.
 */
function log1pSmall(u: tf.Tensor): tf.Tensor {
  const w = tf.add(u, 1);
  const wMinusOne = tf.sub(w, 1);
  const exact = tf.equal(wMinusOne, 0);
  // The division is guarded: where w == 1 the result is u itself.
  return where(exact, u, div(tf.mul(log(w), u), where(exact, tf.onesLike(w), wMinusOne)));
}

/** jnp.logaddexp(x, 0): max(x, 0) + log1p(exp(-|x|)), exact where TF.js's softplus thresholds. */
const softplus = (x: tf.Tensor): tf.Tensor => tf.add(tf.maximum(x, 0), log1pSmall(exp(tf.neg(tf.abs(x)))));
export const logSigmoid = (x: tf.Tensor): tf.Tensor => tf.neg(softplus(tf.neg(x)));

function binaryCrossentropy(target: tf.Tensor, output: tf.Tensor, fromLogits: boolean): tf.Tensor {
  const t = asFloat(target);
  const o = asFloat(output);
  const oneMinusT = tf.sub(1, t);
  if (fromLogits) {
    // -t * log_sigmoid(o) - (1 - t) * log_sigmoid(-o): the products stay, so 0 * inf is NaN as in JAX.
    return tf.sub(tf.mul(tf.neg(t), logSigmoid(o)), tf.mul(oneMinusT, logSigmoid(tf.neg(o))));
  }
  const p = clipProbability(o);
  return tf.neg(tf.add(tf.mul(t, log(p)), tf.mul(oneMinusT, log(tf.sub(1, p)))));
}

/**
 * Log-probabilities over `axes` (kept as size-1 dims for the reductions): log_softmax for logits;
 * otherwise renormalised to sum 1, clipped to [eps, 1 - eps], then logged (that order, as JAX).
 */
export function logProbabilities(output: tf.Tensor, axes: number[], fromLogits: boolean): tf.Tensor {
  const o = asFloat(output);
  if (fromLogits) {
    const shifted = tf.sub(o, max(o, axes, true));
    return tf.sub(shifted, log(tf.sum(exp(shifted), axes, true)));
  }
  const normalised = div(o, tf.sum(o, axes, true));
  return log(clipProbability(normalised));
}

function categoricalCrossentropy(target: tf.Tensor, output: tf.Tensor, fromLogits: boolean, axes: number[]): tf.Tensor {
  // The product is taken everywhere, as JAX does: 0 * -inf gives NaN there too.
  return tf.neg(tf.sum(tf.mul(asFloat(target), logProbabilities(output, axes, fromLogits)), axes));
}

/**
 * one_hot(labels, classes, axis) of the output's class axis. JAX casts labels to int32 (truncating) and
 * one_hot gives an all-zero row outside [0, classes); comparing the truncated label with the class index
 * (NaN and inf match no class) gives that without an int32 cast, whose overflow TF.js backends treat
 * differently. The one-hot tensor has `classes` at `axis` and broadcasts with logP as JAX's product does.
 */
export function oneHotLabels(target: tf.Tensor, output: tf.Tensor, axis: number): tf.Tensor {
  const rank = output.rank;
  const classes = output.shape[axis];
  let labels = target;
  if (target.rank === rank && target.shape[rank - 1] === 1) labels = tf.squeeze(labels, [rank - 1]);
  if (labels.dtype === 'float32') labels = tf.mul(tf.sign(labels), tf.floor(tf.abs(labels)));
  else labels = cast(labels, 'int32');
  const classShape = Array<number>(rank).fill(1);
  classShape[axis] = classes;
  const classIndex = tf.reshape(tf.range(0, classes, 1, labels.dtype === 'float32' ? 'float32' : 'int32'), classShape);
  return cast(tf.equal(tf.expandDims(labels, axis), classIndex), 'float32');
}

/** -sum_c one_hot(label)[c] * logP[c]. */
function sparseCrossentropy(target: tf.Tensor, output: tf.Tensor, fromLogits: boolean, axis: number): tf.Tensor {
  const oneHot = oneHotLabels(target, output, axis);
  return tf.neg(tf.sum(tf.mul(oneHot, logProbabilities(output, [axis], fromLogits)), axis));
}

/**
 * x1 * x1 modulo 2^32 for int32 x1, as JAX's wrapping int32 square, exact on every backend: with
 * x = hi * 2^16 + lo (-2^15 <= lo < 2^15), x^2 = lo^2 + 2^17 * hi * lo (mod 2^32), and no intermediate
 * product exceeds 2^53, so TF.js's cpu backend (products in float64, stored as int32) wraps exactly too.
 * lo is centred on 0 so that a small x is lo itself: webgl and webgpu hold int32 in float32, exact to
 * 2^24, and a small negative x as 2^16 + x gave a lo^2 past 2^31 there (psnr of 0 and 187 was NaN).
 * x + 2^15 and x - lo may wrap; they are used modulo 2^16, and hi modulo 2^15, where wrapping changes nothing.
 */
function wrappingSquare(x: tf.Tensor): tf.Tensor {
  // int32 scalars: a plain number is float32 and would promote the whole computation.
  const int = (n: number) => tf.scalar(n, 'int32');
  const lo = tf.sub(tf.mod(tf.add(x, int(32768)), int(65536)), int(32768));
  const hi = tf.floorDiv(tf.sub(x, lo), int(65536));
  return tf.add(tf.mul(lo, lo), tf.mul(tf.mul(hi, lo), int(131072)));
}

function psnr(x1: tf.Tensor, x2: tf.Tensor, maxVal: number, integer: boolean): tf.Tensor {
  const squared = integer
    ? cast(wrappingSquare(tf.sub(cast(x1, 'int32'), cast(x2, 'int32'))), 'float32')
    : tf.square(tf.sub(asFloat(x1), asFloat(x2)));
  // The mean of nothing is NaN in JAX; TF.js's reductions of an empty tensor give 0 (cpu) or garbage (wasm).
  const mse = squared.size === 0 ? tf.scalar(NaN) : tf.mean(squared);
  // 20 * log10(max_val) is a constant, computed here with JAX's float32 steps: 20 * (log(x) / log(10)).
  const f32 = Math.fround;
  const peak = f32(20 * f32(f32(Math.log(f32(maxVal))) / f32(Math.LN10)));
  return tf.sub(tf.scalar(peak, 'float32'), tf.mul(10, div(log(mse), Math.LN10)));
}

/** The dispatcher checks shape and dtype exactly: the results are float32 already, the shape is made exact. */
const fit = (x: tf.Tensor, shape: number[]): tf.Tensor => tf.reshape(asFloat(x), shape);

export const lossesKernels: LossKernels = {
  binary_crossentropy: ({ target, output }, { fromLogits }, out) =>
    fit(binaryCrossentropy(target, output, fromLogits), out.shape),
  categorical_crossentropy: ({ target, output }, { fromLogits, axes }, out) =>
    fit(categoricalCrossentropy(target, output, fromLogits, axes), out.shape),
  sparse_categorical_crossentropy: ({ target, output }, { fromLogits, axis }, out) =>
    fit(sparseCrossentropy(target, output, fromLogits, axis), out.shape),
  psnr: ({ x1, x2 }, { maxVal, integer }, out) => fit(psnr(x1, x2, maxVal, integer), out.shape),
};
