/**
 * TF.js activations, composed with the formulas jax.nn uses (Keras 3.6 on JAX), so that NaN and ±inf
 * come out as JAX gives them. TF.js has no softsign, silu, hard_sigmoid, hard_silu or GELU kernel, and
 * its softmax works on the last axis only: those are composed here from elementwise ops and reductions.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConcreteSpec } from '../../src/dtypes.js';
import type { Kernels } from '../../src/ops/table.js';
import { cast, where } from './gpu-layout.js';
import { div, exp, expm1, log, max, sigmoid } from './gpu-math.js';
import { quirk } from './quirks.js';

type ActivationKernels = Pick<
  Kernels<tf.Tensor>,
  | 'relu' | 'relu6' | 'sigmoid' | 'softplus' | 'softsign' | 'silu' | 'log_sigmoid' | 'leaky_relu'
  | 'hard_sigmoid' | 'hard_silu' | 'elu' | 'selu' | 'gelu' | 'softmax' | 'log_softmax'
>;

// jax.nn.selu's constants, as Keras uses them.
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** int32 and bool inputs are cast to the output dtype first (float32, or int32 for relu). */
const input = (x: tf.Tensor, out: ConcreteSpec): tf.Tensor => (x.dtype === out.dtype ? x : cast(x, out.dtype));

/**
 * log1p(u) for u >= 0 by Kahan's trick, u * log(w) / (w - 1) with w = 1 + u: as accurate as log itself.
 * wasm's Log1p kernel is log(1 + u): log1p(1e-7) gave 1.19e-7 there, and a u below 6e-8 gave 0.
 */
function log1p(u: tf.Tensor): tf.Tensor {
  const w = tf.add(1, u);
  return where(tf.equal(w, 1), u, tf.mul(u, div(log(w), tf.sub(w, 1))));
}

/**
 * jnp.logaddexp(x, 0) = max(x, 0) + log1p(exp(-|x|)): no overflow, accurate in both tails. (Not tf.relu:
 * webgl's packed relu is x * (x >= 0), NaN at -inf.)
 */
const softplus = (x: tf.Tensor): tf.Tensor => tf.add(tf.maximum(x, 0), log1p(exp(tf.neg(tf.abs(x)))));

/**
 * jnp.minimum(jnp.maximum(x, 0), 6): NaN stays NaN. wasm's Maximum and Minimum return their first
 * operand when either is NaN (JAX propagates NaN from both), so x goes first here and below.
 */
const relu6 = (x: tf.Tensor): tf.Tensor => tf.minimum(tf.maximum(x, 0), 6);

/** jax.nn.hard_sigmoid: relu6(x + 3) / 6. */
const hardSigmoid = (x: tf.Tensor): tf.Tensor => div(relu6(tf.add(x, 3)), 6);

/** jax.nn.elu: where(x > 0, x, alpha * expm1(where(x > 0, 0, x))). */
function elu(x: tf.Tensor, alpha: number): tf.Tensor {
  const positive = tf.greater(x, 0);
  const negative = tf.mul(alpha, expm1(where(positive, tf.zerosLike(x), x)));
  return where(positive, x, negative);
}

// erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + |z|/2), for z >= 0 (Numerical Recipes' erfcc, relative
// error below 1.2e-7 everywhere, tails included); P's coefficients, highest power first.
const ERFC_P = [
  0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368,
  -1.26551223,
];

/**
 * erfc with a small relative error in the far tail, where 1 - erf(z) has none left: TF.js's Erf kernels
 * (Abramowitz-Stegun 7.1.26, absolute error 1.5e-7) leave 1 + erf(-3.6) at 0 where erfc is 5e-7.
 */
function erfc(z: tf.Tensor): tf.Tensor {
  const a = tf.abs(z);
  const t = div(1, tf.add(1, tf.mul(0.5, a)));
  let p: tf.Tensor = tf.scalar(ERFC_P[0]);
  for (const c of ERFC_P.slice(1)) p = tf.add(tf.mul(p, t), c);
  const tail = tf.mul(t, exp(tf.sub(p, tf.square(a))));
  return where(tf.less(z, 0), tf.sub(2, tail), tail);
}

/**
 * jax.nn.gelu. Approximate: x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))). Exact: JAX computes
 * 0.5 * x * erfc(-x / sqrt(2)), exact in the negative tail too.
 */
function gelu(x: tf.Tensor, approximate: boolean): tf.Tensor {
  if (approximate) {
    // x ** 3 is lax.integer_pow: x * (x * x), rounded twice as XLA does.
    const cube = tf.mul(x, tf.square(x));
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, cube)));
    return tf.mul(x, tf.mul(0.5, tf.add(1, tf.tanh(inner))));
  }
  return tf.mul(tf.mul(0.5, x), erfc(tf.mul(tf.neg(x), Math.SQRT1_2)));
}

/**
 * jax.nn.softmax / log_softmax jointly over `axes`, max-shifted: the reductions take every axis at once,
 * so no transpose is needed. An all -inf slice gives NaN, as in JAX.
 */
function softmaxOver(x: tf.Tensor, axes: number[], inLogSpace: boolean): tf.Tensor {
  if (x.size === 0) return tf.cast(x, 'float32');
  // TF.js's own kernel covers the last axis alone (wasm's is three times faster than the composition);
  // where the backend loses NaN, the composition below keeps JAX's special values.
  if (x.dtype === 'float32' && axes.length === 1 && axes[0] === x.rank - 1 && !quirk.losesNaN()) {
    return inLogSpace ? tf.logSoftmax(x) : tf.softmax(x);
  }
  // JAX subtracts the max in x's dtype, int32 exactly, and converts after: converting first would round
  // each of x and max (|x| > 2^24) instead of their difference once.
  const shifted = cast(tf.sub(x, max(x, axes, true)), 'float32');
  if (inLogSpace) return tf.sub(shifted, log(tf.sum(exp(shifted), axes, true)));
  const unnormalized = exp(shifted);
  return div(unnormalized, tf.sum(unnormalized, axes, true));
}

export const activationKernels: ActivationKernels = {
  // TF.js's relu keeps NaN, as jnp.maximum(x, 0) does, except where the backend loses NaN (webgl's
  // packed relu turns -inf into NaN): there it is composed.
  relu: ({ x }, _, out) => {
    const v = input(x, out);
    return quirk.losesNaN() ? where(tf.less(v, 0), tf.zerosLike(v), v) : tf.relu(v);
  },
  relu6: ({ x }, _, out) => relu6(input(x, out)),
  sigmoid: ({ x }, _, out) => sigmoid(input(x, out)),
  softplus: ({ x }, _, out) => softplus(input(x, out)),
  softsign: ({ x }, _, out) => {
    const v = input(x, out);
    return div(v, tf.add(tf.abs(v), 1));
  },
  silu: ({ x }, _, out) => {
    const v = input(x, out);
    return tf.mul(v, sigmoid(v));
  },
  log_sigmoid: ({ x }, _, out) => tf.neg(softplus(tf.neg(input(x, out)))),
  leaky_relu: ({ x }, { negativeSlope }, out) => {
    const v = input(x, out);
    return where(tf.greaterEqual(v, 0), v, tf.mul(v, negativeSlope));
  },
  hard_sigmoid: ({ x }, _, out) => hardSigmoid(input(x, out)),
  hard_silu: ({ x }, _, out) => {
    const v = input(x, out);
    return tf.mul(v, hardSigmoid(v));
  },
  elu: ({ x }, { alpha }, out) => elu(input(x, out), alpha),
  selu: ({ x }, _, out) => tf.mul(SELU_SCALE, elu(input(x, out), SELU_ALPHA)),
  gelu: ({ x }, { approximate }, out) => gelu(input(x, out), approximate),
  softmax: ({ x }, { axes }) => softmaxOver(x, axes, false),
  log_softmax: ({ x }, { axes }) => softmaxOver(x, axes, true),
};
