/**
 * Backward rules of the activations: jax.vjp of Keras's op on JAX, written with TF.js ops in the order
 * JAX's transpose runs (grad/lax.ts), over the same forward values the kernels compute (activations.ts).
 * grad/overrides.ts says where TF.js's own gradient would differ, and why none is taken from TF.js.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Vjps } from '../../../src/ops/table.js';
import {
  activationKernels,
  alongRows,
  erfc,
  flushSubnormals,
  fusedSquarePlus,
  GELU_CUBIC,
  geluTanhArgument,
  hardSigmoid,
  SELU_ALPHA,
  SELU_SCALE,
  softplus,
  sparsemaxThreshold,
  SQRT_2_OVER_PI,
} from '../activations.js';
import { cast, where } from '../gpu-layout.js';
import { div, exp, expm1, max, sigmoid } from '../gpu-math.js';
import { absT, divisorT, expm1T, integerPowT, logisticT, reverseCumsumT, select, sqrtT, tanhT, tieShare, whereSides } from './lax.js';

type ActivationVjps = Required<Pick<Vjps<tf.Tensor>, keyof typeof activationKernels>>;

/** x's gradient for the cotangent dy. */
type Rule<A> = (x: tf.Tensor, dy: tf.Tensor, attrs: A) => tf.Tensor;

/**
 * A rule over x as XLA on CPU reads it: a subnormal is 0 (relu's gradient at 1e-40 is 0 in JAX), unless
 * `read` says that the rule cannot tell them apart.
 */
function onX<A>(rule: Rule<A>, read: (x: tf.Tensor) => tf.Tensor = flushSubnormals) {
  return ({ x }: { x: tf.Tensor }, attrs: A, _out: unknown, dy: tf.Tensor) => ({
    x: x.size === 0 ? tf.zerosLike(x) : rule(read(x), dy, attrs),
  });
}

/**
 * x for the softmaxes, which read it only as exp(x - max): a subnormal x moves x - max by less than half
 * its ulp wherever exp(x - max) is not 1 anyway, so flushing it (XLA's reading) changes nothing.
 */
const unflushed = (x: tf.Tensor): tf.Tensor => x;

/** jnp.logaddexp(x, 0)'s custom jvp: g * exp(x - out), +inf read as 0 on both sides, a subnormal exp as 0. */
export function logaddexpT(g: tf.Tensor, x: tf.Tensor, out: tf.Tensor): tf.Tensor {
  const finite = (v: tf.Tensor) => where(tf.equal(v, Infinity), tf.zerosLike(v), v);
  return tf.mul(g, flushSubnormals(exp(tf.sub(finite(x), finite(out)))));
}

/** Where relu6's custom jvp passes the cotangent: 0 < u < 6. */
const relu6Passes = (u: tf.Tensor): tf.Tensor => tf.logicalAnd(tf.greater(u, 0), tf.less(u, 6));

/** jax.nn.elu: where(x > 0, x, alpha * expm1(where(x > 0, 0, x))). */
function eluT(x: tf.Tensor, dy: tf.Tensor, alpha: number): tf.Tensor {
  const positive = tf.greater(x, 0);
  const [linear, curved] = whereSides(positive, dy);
  const e = expm1(where(positive, tf.zerosLike(x), x));
  return tf.add(linear, whereSides(positive, expm1T(tf.mul(alpha, curved), e))[1]);
}

/** x * cdf, cdf = 0.5 (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))). */
function approximateGeluT(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const t = tf.tanh(geluTanhArgument(x));
  const cdf = tf.mul(0.5, tf.add(1, t));
  // The cotangent of x + 0.044715 x**3, which reaches x directly and through the cube.
  const viaTanh = tf.mul(SQRT_2_OVER_PI, tanhT(tf.mul(0.5, tf.mul(dy, x)), t));
  return tf.add(tf.add(tf.mul(dy, cdf), viaTanh), integerPowT(tf.mul(GELU_CUBIC, viaTanh), x, 3));
}

/** (0.5 x) * erfc(z), z = -x / sqrt(2); erfc' = -2/sqrt(pi) exp(-z²). */
function exactGeluT(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const z = tf.mul(tf.neg(x), Math.SQRT1_2);
  const viaHalf = tf.mul(0.5, tf.mul(dy, erfc(z)));
  const viaErfc = tf.mul(-2 / Math.sqrt(Math.PI), tf.mul(tf.mul(dy, tf.mul(0.5, x)), exp(tf.neg(tf.square(z)))));
  return tf.add(viaHalf, tf.neg(tf.mul(viaErfc, Math.SQRT1_2)));
}

/** exp(x - m) and its sum over `axes`, m the max stopped from the gradient as jax.nn's softmaxes do. */
export function shiftedExp(x: tf.Tensor, axes: number[]): [tf.Tensor, tf.Tensor] {
  const u = exp(tf.sub(x, max(x, axes, true)));
  return [u, tf.sum(u, axes, true)];
}

/**
 * u / s, for u = exp(x - m) and s its sum (shiftedExp): dy / s to u, plus the divisor's cotangent
 * -(dy u) / s² summed back over the axes; then exp's. The sign and 1 / s² go on the sums' shape: the
 * product per element is divisorT's, its sign flipped exactly.
 */
export function shiftedSoftmaxT(u: tf.Tensor, s: tf.Tensor, dy: tf.Tensor, axes: number[]): tf.Tensor {
  const ctS = tf.sum(tf.mul(tf.mul(dy, u), tf.neg(div(1, tf.square(s)))), axes, true);
  return tf.mul(tf.add(div(dy, s), ctS), u);
}

export function softmaxT(x: tf.Tensor, dy: tf.Tensor, axes: number[]): tf.Tensor {
  const [u, s] = shiftedExp(x, axes);
  return shiftedSoftmaxT(u, s, dy, axes);
}

/** shifted - log(s): dy, plus -sum(dy) / s carried to each exp(shifted). */
export function logSoftmaxT(x: tf.Tensor, dy: tf.Tensor, axes: number[]): tf.Tensor {
  const [u, s] = shiftedExp(x, axes);
  return tf.add(dy, tf.mul(div(tf.neg(tf.sum(dy, axes, true)), s), u));
}

/** max(x, 0) + alpha * expm1(min(x, 0) / alpha), each of max and min with its tie share. */
function celuT(x: tf.Tensor, dy: tf.Tensor, alpha: number): tf.Tensor {
  const low = tf.minimum(x, 0);
  const e = expm1(div(low, alpha));
  const viaMax = tf.mul(dy, tieShare(x, tf.maximum(x, 0), 0));
  const viaMin = tf.mul(div(expm1T(tf.mul(alpha, dy), e), alpha), tieShare(x, low, 0));
  return tf.add(viaMax, viaMin);
}

/** a * s(b), s the sigmoid as the forward flushes it. */
function gluT(x: tf.Tensor, dy: tf.Tensor, axis: number): tf.Tensor {
  const [a, b] = tf.split(x, 2, axis);
  const s = flushSubnormals(sigmoid(b));
  return tf.concat([tf.mul(dy, s), logisticT(tf.mul(dy, a), s)], axis);
}

/** (x + sqrt(x**2 + b)) / 2, x**2 + b rounded once as the forward. */
function squareplusT(x: tf.Tensor, dy: tf.Tensor, b: number): tf.Tensor {
  const half = div(dy, 2);
  return tf.add(half, integerPowT(sqrtT(half, tf.sqrt(fusedSquarePlus(x, b))), x, 2));
}

/** where(x <= -1, 0, where(x >= 1, x, (x + 1)**2 / 4)). */
function sparsePlusT(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const above = whereSides(tf.lessEqual(x, -1), dy)[1];
  const [linear, quadratic] = whereSides(tf.greaterEqual(x, 1), above);
  return tf.add(linear, integerPowT(div(quadratic, 4), tf.add(x, 1), 2));
}

/** 0.5 * min(max(x + 1, 0), 2) (jnp.clip), each with its tie share. */
function sparseSigmoidT(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const u = tf.add(x, 1);
  const low = tf.maximum(u, 0);
  return tf.mul(tf.mul(tf.mul(0.5, dy), tieShare(low, tf.minimum(low, 2), 2)), tieShare(u, low, 0));
}

/** `sorted` ([rows, n], in the sort `order`) put back in place: a gather by each element's rank. */
function unsort(sorted: tf.Tensor, order: tf.Tensor): tf.Tensor {
  const [rows, n] = sorted.shape;
  // Sorting the order itself gives each element's rank in it (n below 2^24, exact in float32).
  const rank = tf.topk(tf.neg(cast(order, 'float32')), n).indices;
  const flat = tf.add(rank, tf.reshape(tf.range(0, rows * n, n, 'int32'), [rows, 1]));
  return tf.reshape(tf.gather(tf.reshape(sorted, [-1]), tf.reshape(flat, [-1])), [rows, n]);
}

/**
 * max(x - tau, 0) over rows, tau = (sum of the sorted cumsum over the support - 1) / k: the support and
 * k carry no gradient; tau's reaches the sorted values through a reverse cumsum, and x through the sort.
 */
function sparsemaxRowsT(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const { order, support, k, tau } = sparsemaxThreshold(x);
  const z = tf.sub(x, tau);
  const direct = tf.mul(dy, tieShare(z, tf.maximum(z, 0), 0));
  const viaTau = select(support, div(tf.neg(tf.sum(direct, 1, true)), k));
  return tf.add(direct, unsort(reverseCumsumT(viaTau, 1), order));
}

export const activationVjps: ActivationVjps = {
  relu: onX((x, dy) => select(tf.greater(x, 0), dy)),
  relu6: onX((x, dy) => select(relu6Passes(x), dy)),
  sigmoid: onX((x, dy) => logisticT(dy, sigmoid(x))),
  softplus: onX((x, dy) => logaddexpT(dy, x, softplus(x))),
  softsign: onX((x, dy) => {
    const den = tf.add(tf.abs(x), 1);
    return tf.add(div(dy, den), absT(divisorT(dy, x, den), x));
  }),
  silu: onX((x, dy) => {
    const s = sigmoid(x);
    return tf.add(tf.mul(dy, s), logisticT(tf.mul(dy, x), s));
  }),
  log_sigmoid: onX((x, dy) => logaddexpT(dy, tf.neg(x), softplus(tf.neg(x)))),
  leaky_relu: onX((x, dy, { negativeSlope }: { negativeSlope: number }) => {
    const [kept, sloped] = whereSides(tf.greaterEqual(x, 0), dy);
    return tf.add(kept, tf.mul(negativeSlope, sloped));
  }),
  hard_sigmoid: onX((x, dy) => select(relu6Passes(tf.add(x, 3)), div(dy, 6))),
  hard_silu: onX((x, dy) => tf.add(tf.mul(dy, hardSigmoid(x)), select(relu6Passes(tf.add(x, 3)), div(tf.mul(dy, x), 6)))),
  elu: onX((x, dy, { alpha }: { alpha: number }) => eluT(x, dy, alpha)),
  selu: onX((x, dy) => eluT(x, tf.mul(dy, SELU_SCALE), SELU_ALPHA)),
  gelu: onX((x, dy, { approximate }: { approximate: boolean }) => (approximate ? approximateGeluT(x, dy) : exactGeluT(x, dy))),
  softmax: onX((x, dy, { axes }: { axes: number[] }) => softmaxT(x, dy, axes), unflushed),
  log_softmax: onX((x, dy, { axes }: { axes: number[] }) => logSoftmaxT(x, dy, axes), unflushed),
  celu: onX((x, dy, { alpha }: { alpha: number }) => celuT(x, dy, alpha)),
  glu: onX((x, dy, { axis }: { axis: number }) => gluT(x, dy, axis)),
  hard_shrink: onX((x, dy, { threshold }: { threshold: number }) => select(tf.greater(tf.abs(x), threshold), dy)),
  hard_tanh: onX((x, dy) => select(tf.logicalNot(tf.logicalOr(tf.greater(x, 1), tf.less(x, -1))), dy)),
  soft_shrink: onX((x, dy, { threshold }: { threshold: number }) =>
    select(tf.logicalOr(tf.greater(x, threshold), tf.less(x, -threshold)), dy),
  ),
  squareplus: onX((x, dy, { b }: { b: number }) => squareplusT(x, dy, b)),
  tanh_shrink: onX((x, dy) => tf.add(dy, tanhT(tf.neg(dy), tf.tanh(x)))),
  sparse_plus: onX(sparsePlusT),
  sparsemax: onX((x, dy, { axis }: { axis: number }) => alongRows(axis, sparsemaxRowsT, x, dy)),
  threshold: onX((x, dy, { threshold }: { threshold: number }) => select(tf.greater(x, flushSubnormals(tf.scalar(threshold))), dy)),
  sparse_sigmoid: onX(sparseSigmoidT),
};
