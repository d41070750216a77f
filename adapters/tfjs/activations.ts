/**
 * TF.js activations, composed with the formulas jax.nn and Keras's JAX backend use, so that NaN and ±inf
 * come out as JAX gives them. TF.js has no softsign, silu, hard_sigmoid, hard_silu or GELU kernel, and
 * its softmax works on the last axis only: those are composed here from elementwise ops and reductions.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConcreteSpec } from '../../src/dtypes.js';
import type { Kernels } from '../../src/ops/table.js';
import { cast, transpose, where } from './gpu-layout.js';
import { div, exp, expm1, log, max, sigmoid } from './gpu-math.js';
import { quirk } from './quirks.js';

type ActivationKernels = Pick<
  Kernels<tf.Tensor>,
  | 'relu' | 'relu6' | 'sigmoid' | 'softplus' | 'softsign' | 'silu' | 'log_sigmoid' | 'leaky_relu'
  | 'hard_sigmoid' | 'hard_silu' | 'elu' | 'selu' | 'gelu' | 'softmax' | 'log_softmax'
  | 'celu' | 'glu' | 'hard_shrink' | 'hard_tanh' | 'soft_shrink' | 'squareplus' | 'tanh_shrink'
  | 'sparse_plus' | 'sparsemax' | 'threshold' | 'sparse_sigmoid'
>;

// jax.nn.selu's constants, as Keras uses them.
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;

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
export const softplus = (x: tf.Tensor): tf.Tensor => tf.add(tf.maximum(x, 0), log1p(exp(tf.neg(tf.abs(x)))));

/**
 * jnp.minimum(jnp.maximum(x, 0), 6): NaN stays NaN. wasm's Maximum and Minimum return their first
 * operand when either is NaN (JAX propagates NaN from both), so x goes first here and below.
 */
const relu6 = (x: tf.Tensor): tf.Tensor => tf.minimum(tf.maximum(x, 0), 6);

/** jax.nn.hard_sigmoid: relu6(x + 3) / 6. */
export const hardSigmoid = (x: tf.Tensor): tf.Tensor => div(relu6(tf.add(x, 3)), 6);

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
export function erfc(z: tf.Tensor): tf.Tensor {
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
  if (approximate) return tf.mul(x, tf.mul(0.5, tf.add(1, tf.tanh(geluTanhArgument(x)))));
  return tf.mul(tf.mul(0.5, x), erfc(tf.mul(tf.neg(x), Math.SQRT1_2)));
}

export const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
export const GELU_CUBIC = 0.044715;

/** sqrt(2/pi) * (x + 0.044715 x**3); x ** 3 is lax.integer_pow: x * (x * x), rounded twice as XLA does. */
export function geluTanhArgument(x: tf.Tensor): tf.Tensor {
  const cube = tf.mul(x, tf.square(x));
  return tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(GELU_CUBIC, cube)));
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

const F32_MIN_NORMAL = 2 ** -126;

/**
 * XLA on CPU flushes float32 subnormals to zero, in comparisons and results (1e-40 > 0 is false there);
 * TF.js keeps them.
 */
export const flushSubnormals = (x: tf.Tensor): tf.Tensor =>
  x.dtype === 'float32' ? where(tf.less(tf.abs(x), F32_MIN_NORMAL), tf.zerosLike(x), x) : x;

/**
 * jax.nn.celu: max(x, 0) + alpha * expm1(min(x, 0) / alpha); alpha=0 gives NaN for x >= 0 (0 / 0), and
 * for a negative subnormal x too, which XLA flushes to 0 first.
 */
function celu(x: tf.Tensor, alpha: number): tf.Tensor {
  return tf.add(tf.maximum(x, 0), tf.mul(alpha, expm1(div(tf.minimum(flushSubnormals(x), 0), alpha))));
}

/**
 * jax.nn.glu: the first half of `axis` times the sigmoid of the second. XLA flushes a subnormal
 * sigmoid (x below -87.3) to 0, which 3e38 * sigmoid(-90) shows: 0 in Keras, 0.18 unflushed.
 */
function glu(x: tf.Tensor, axis: number): tf.Tensor {
  const [a, b] = tf.split(x, 2, axis);
  return tf.mul(a, flushSubnormals(sigmoid(b)));
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * x and t as JAX meets x with a Python number t: an int32 or bool x and an int t in int32 arithmetic,
 * exactly (TF.js would make t a float32 and promote x); anything else in float32.
 */
function againstNumber(x: tf.Tensor, t: number): [tf.Tensor, tf.Tensor] {
  const exact = x.dtype !== 'float32' && Number.isInteger(t) && Math.abs(t) <= INT32_MAX;
  if (exact) return [cast(x, 'int32'), tf.scalar(t, 'int32')];
  return [cast(x, 'float32'), tf.scalar(t, 'float32')];
}

/** jnp.where(abs(x) > threshold, x, 0.0): NaN fails the test and gives 0. */
function hardShrink(x: tf.Tensor, threshold: number): tf.Tensor {
  const [v, t] = againstNumber(x, threshold);
  const keep = tf.greater(tf.abs(v), t);
  return where(keep, cast(x, 'float32'), tf.scalar(0));
}

/** jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0)). */
function softShrink(x: tf.Tensor, threshold: number): tf.Tensor {
  const [v, t] = againstNumber(x, threshold);
  const shrunk = where(tf.greater(v, t), tf.sub(v, t), where(tf.less(v, tf.neg(t)), tf.add(v, t), tf.zerosLike(v)));
  return cast(shrunk, 'float32');
}

/**
 * jax.nn.hard_tanh: where(x > 1, 1, where(x < -1, -1, x)); NaN passes through, int32 stays int32. Not
 * relu6's clamp: tensorflow's Maximum flushes a subnormal x to 0, where the selects keep it, as XLA does.
 */
function hardTanh(x: tf.Tensor): tf.Tensor {
  const one = tf.scalar(1, x.dtype);
  return where(tf.greater(x, one), one, where(tf.less(x, tf.neg(one)), tf.neg(one), x));
}

/** a + b and its rounding error, exactly (Knuth's TwoSum: any order of magnitudes). */
function twoSum(a: tf.Tensor, b: tf.Tensor | number): [tf.Tensor, tf.Tensor] {
  const s = tf.add(a, b);
  const bb = tf.sub(s, a);
  return [s, tf.add(tf.sub(a, tf.sub(s, bb)), tf.sub(b, bb))];
}

/** x * x and its rounding error, exactly (Dekker: x split in halves of 12 bits by 4097 = 2^12 + 1). */
function twoSquare(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const p = tf.square(x);
  const c = tf.mul(x, 4097);
  const hi = tf.sub(c, tf.sub(c, x));
  const lo = tf.sub(x, hi);
  return [p, tf.add(tf.add(tf.sub(tf.square(hi), p), tf.mul(tf.mul(hi, lo), 2)), tf.square(lo))];
}

/**
 * x * x + b rounded once, as XLA's CPU backend fuses it into an FMA: (p + b) + e exactly, with p + e =
 * x * x, rounded in one step but for an error 2^-24 of an ulp. Rounded twice, x + sqrt(x * x + b) moves
 * by half an ulp of x where it cancels (x=-42.20451: 0.0236816 where Keras has 0.0236797). Where x * x
 * overflows, the plain sum (inf or NaN) is JAX's too.
 */
export function fusedSquarePlus(x: tf.Tensor, b: number): tf.Tensor {
  const [p, e] = twoSquare(x);
  const [s, t] = twoSum(p, b);
  return where(tf.isFinite(p), tf.add(s, tf.add(t, e)), s);
}

/**
 * jax.nn.squareplus, (x + sqrt(x**2 + b)) / 2, in float32 as JAX: x**2 overflows past 1.8e19, so
 * squareplus(-1e30) is inf in Keras too. An int32 or bool x is squared exactly in JAX (int32 up to 46340),
 * then rounded to float32 and added: no FMA there.
 */
function squareplus(x: tf.Tensor, b: number): tf.Tensor {
  const v = cast(x, 'float32');
  const inner = x.dtype === 'float32' ? fusedSquarePlus(v, b) : tf.add(tf.square(v), b);
  return tf.mul(tf.add(v, tf.sqrt(inner)), 0.5);
}

/** jax.nn.sparse_plus: where(x <= -1, 0, where(x >= 1, x, (x + 1)**2 / 4)); NaN fails both tests. */
function sparsePlus(x: tf.Tensor): tf.Tensor {
  const quadratic = tf.mul(tf.square(tf.add(x, 1)), 0.25);
  return where(tf.lessEqual(x, -1), tf.zerosLike(x), where(tf.greaterEqual(x, 1), x, quadratic));
}

/** jax.nn.sparse_sigmoid: 0.5 * clip(x + 1, 0, 2), x first in max and min (wasm keeps the first's NaN). */
const sparseSigmoid = (x: tf.Tensor): tf.Tensor => tf.mul(0.5, tf.minimum(tf.maximum(tf.add(x, 1), 0), 2));

/**
 * flush(v) > flush(t) for a float32 v, as XLA compares (subnormals flushed), without a flush of v: a
 * subnormal v compares with a normal t as 0 does, so only where t flushes to 0 does flushing v matter,
 * and there flush(v) > 0 is v >= the smallest normal.
 */
function greaterFlushed(v: tf.Tensor, t: number): tf.Tensor {
  const f = Math.fround(t);
  return Math.abs(f) < F32_MIN_NORMAL ? tf.greaterEqual(v, tf.scalar(F32_MIN_NORMAL)) : tf.greater(v, tf.scalar(f));
}

/** jnp.where(x > threshold, x, default_value); an int32 result keeps x's integers exactly. */
function threshold(x: tf.Tensor, t: number, defaultValue: number, out: ConcreteSpec): tf.Tensor {
  const [v, tv] = againstNumber(x, t);
  const keep = v.dtype === 'float32' ? greaterFlushed(v, t) : tf.greater(v, tv);
  return where(keep, cast(x, out.dtype), tf.scalar(defaultValue, out.dtype));
}

/**
 * Keras-JAX's sparsemax over the last axis of a [rows, n] x is max(x - tau, 0): the support is where
 * sorted - (cumsum - 1) / r > 0 (sorted descending), and tau sums the cumulative sums over the whole
 * support, minus 1, over its size k. jnp.sort puts NaN last; topk's order of NaN differs by backend, so
 * NaN sorts as -inf here: at the end either way, where neither is in the support nor counts in tau.
 * `order` is the sort (topk's indices, ties in index order as jnp.sort's), which the gradient follows.
 */
export function sparsemaxThreshold(x: tf.Tensor) {
  const n = x.shape[1] as number;
  const { values: sorted, indices: order } = tf.topk(where(tf.isNaN(x), tf.scalar(-Infinity), x), n);
  const cumsum = tf.cumsum(sorted, 1);
  const support = tf.greater(tf.sub(sorted, div(tf.sub(cumsum, 1), tf.range(1, n + 1, 1, 'float32'))), 0);
  const k = tf.sum(cast(support, 'float32'), 1, true);
  const tau = div(tf.sub(tf.sum(where(support, cumsum, tf.zerosLike(cumsum)), 1, true), 1), k);
  return { order, support, k, tau };
}

/**
 * `f` of the float32 rows along `axis` of each of `ts` (same shape): the axis moved last and the rest
 * flattened, so topk and cumsum see rank 2 on every backend; f's rows are moved back.
 */
export function alongRows(axis: number, f: (...rows: tf.Tensor[]) => tf.Tensor, ...ts: tf.Tensor[]): tf.Tensor {
  const v = cast(ts[0], 'float32');
  if (v.size === 0) return v;
  const last = v.rank - 1;
  const perm = [...Array(v.rank).keys()].filter((d) => d !== axis).concat(axis);
  const toRows = (t: tf.Tensor) => {
    const f32 = cast(t, 'float32');
    return tf.reshape(axis === last ? f32 : transpose(f32, perm), [-1, v.shape[axis]]);
  };
  const y = tf.reshape(f(...ts.map(toRows)), perm.map((d) => v.shape[d]));
  return axis === last ? y : transpose(y, perm.map((_, d) => perm.indexOf(d)));
}

const sparsemax = (x: tf.Tensor, axis: number): tf.Tensor =>
  alongRows(axis, (rows) => tf.maximum(tf.sub(rows, sparsemaxThreshold(rows).tau), 0), x);

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
  celu: ({ x }, { alpha }, out) => celu(input(x, out), alpha),
  glu: ({ x }, { axis }, out) => glu(input(x, out), axis),
  hard_shrink: ({ x }, { threshold }) => hardShrink(x, threshold),
  hard_tanh: ({ x }, _, out) => hardTanh(input(x, out)),
  soft_shrink: ({ x }, { threshold }) => softShrink(x, threshold),
  squareplus: ({ x }, { b }) => squareplus(x, b),
  tanh_shrink: ({ x }, _, out) => {
    const v = input(x, out);
    return tf.sub(v, tf.tanh(v));
  },
  sparse_plus: ({ x }, _, out) => sparsePlus(input(x, out)),
  sparsemax: ({ x }, { axis }) => sparsemax(x, axis),
  threshold: ({ x }, { threshold: t, defaultValue }, out) => threshold(x, t, defaultValue, out),
  sparse_sigmoid: ({ x }, _, out) => sparseSigmoid(input(x, out)),
};
