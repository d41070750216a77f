/**
 * JAX's differentiation rules of the lax primitives Keras's ops are made of (jax/_src/lax/lax.py), as
 * they carry a cotangent `g` back, written with TF.js ops. The backward rules compose these in the order
 * JAX's transpose runs them, so NaN, infinities and ties come out as in jax.vjp: a select passes g
 * through untouched or gives 0 (an inf or NaN g stays on its side), while a product with a local
 * derivative makes 0 * inf = NaN where JAX's does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { flushSubnormals } from '../activations.js';
import { where } from '../gpu-layout.js';
import { div } from '../gpu-math.js';
import { quirk } from '../quirks.js';

/** select(c, g, 0): jnp.where's transpose for its selected side, and relu's custom jvp. */
export const select = (c: tf.Tensor, g: tf.Tensor): tf.Tensor => where(c, g, tf.zerosLike(g));

/** The cotangents of jnp.where(c, a, b)'s two sides. */
export const whereSides = (c: tf.Tensor, g: tf.Tensor): [tf.Tensor, tf.Tensor] => [select(c, g), select(tf.logicalNot(c), g)];

/**
 * lax.max and lax.min pass g times _balanced_eq(x, ans, other): 1 where x gave the result, split in
 * halves on a tie, 0 where the other operand (or NaN, equal to nothing) did.
 */
export function tieShare(x: tf.Tensor, ans: tf.Tensor, other: tf.Tensor | number): tf.Tensor {
  const one = tf.scalar(1);
  const gave = where(tf.equal(x, ans), one, tf.scalar(0));
  return div(gave, where(tf.equal(other, ans), tf.scalar(2), one));
}

/**
 * logistic: g * (s * (1 - s)), s the logistic's result. XLA flushes a subnormal s (1 - s) to 0, so an
 * inf g gives NaN at x = -100 as in JAX, not inf.
 */
export const logisticT = (g: tf.Tensor, s: tf.Tensor): tf.Tensor => tf.mul(g, flushSubnormals(tf.mul(s, tf.sub(1, s))));

/** tanh: (g + g t) (1 - t), t the result; exact where 1 - t² would cancel (t near ±1). */
export const tanhT = (g: tf.Tensor, t: tf.Tensor): tf.Tensor => tf.mul(tf.add(g, tf.mul(g, t)), tf.sub(1, t));

/** expm1: g * (e + 1), e the result. */
export const expm1T = (g: tf.Tensor, e: tf.Tensor): tf.Tensor => tf.mul(g, tf.add(e, 1));

/** sqrt: g * (0.5 / r), r the result. */
export const sqrtT = (g: tf.Tensor, r: tf.Tensor): tf.Tensor => tf.mul(g, div(0.5, r));

/** x ** 2 and x ** 3 (lax.integer_pow): g * (n * x ** (n - 1)), x ** 2 as x * x. */
export const integerPowT = (g: tf.Tensor, x: tf.Tensor, n: 2 | 3): tf.Tensor => tf.mul(g, tf.mul(n, n === 2 ? x : tf.square(x)));

/** abs: select(x >= 0, g, -g); +1 at 0, -1 at NaN. */
export const absT = (g: tf.Tensor, x: tf.Tensor): tf.Tensor => where(tf.greaterEqual(x, 0), g, tf.neg(g));

/**
 * x / y's cotangent for y, summed by the caller where y was broadcast: -(g y**-2) x, in the order of the
 * transpose of JAX's jvp -(g x) y**-2, so that g y**-2 = 0 zeroes an x of 3e38 that g x would overflow.
 */
export const divisorT = (g: tf.Tensor, x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.neg(tf.mul(tf.mul(g, div(1, tf.square(y))), x));

/** cumsum's transpose: g summed from the end along `axis`. */
export function reverseCumsumT(g: tf.Tensor, axis: number): tf.Tensor {
  if (!quirk.reverseCumsumKeepsFirstLength()) return tf.cumsum(g, axis, false, true);
  return tf.reverse(tf.cumsum(tf.reverse(g, axis), axis), axis);
}

/**
 * tf.sum over `axes`, kept as size-1 dims: over none it is g itself (TF.js reads [] as every axis), and
 * an empty g sums to 0 (the wasm Sum traps on it).
 */
export function sumKept(g: tf.Tensor, axes: readonly number[]): tf.Tensor {
  if (!axes.length) return g;
  if (g.size === 0) return tf.zeros(g.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  return tf.sum(g, [...axes], true);
}

/** A broadcast's transpose: g summed back to `shape` by numpy's rules (leading dims, and dims of size 1). */
export function sumTo(g: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const lead = g.rank - shape.length;
  const axes = g.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []));
  return tf.reshape(sumKept(g, axes), [...shape]);
}

/** rsqrt: g * (-0.5 * (r / x)), r the result; inf where x is 0. */
export const rsqrtT = (g: tf.Tensor, r: tf.Tensor, x: tf.Tensor): tf.Tensor => tf.mul(g, tf.mul(-0.5, div(r, x)));

/** The gradients a pullback asked for (`wrt`): the rest, not returned, are released by the rule's tf.tidy. */
export function requested<K extends string>(grads: Partial<Record<K, tf.Tensor | null>>, wrt: readonly string[]): Partial<Record<K, tf.Tensor>> {
  return Object.fromEntries(Object.entries(grads).filter(([name, g]) => g && wrt.includes(name))) as Partial<Record<K, tf.Tensor>>;
}
