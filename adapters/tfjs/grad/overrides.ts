/**
 * Where the gradient TF.js would give differs from jax.vjp of Keras's op, so that the rule in grad/ is
 * JAX's: one entry per op, what TF.js gives and what JAX does. An op without an entry gets the rule TF.js
 * would give, to rounding (sigmoid: dy * y * (1 - y) in both; softmax: y * dy - y * sum(y * dy) in TF.js,
 * written in JAX's order, u * (dy / s - sum(dy * u) / s²)).
 *
 * The rules are written out rather than taken from tf.grad: tfjs-core registers no gradient (the
 * @tensorflow/tfjs bundle does, and only tfjs-node loads it), so tf.grad over a kernel throws "gradient
 * function not found for Relu" on cpu and wasm until tfjs-tensorflow has started; and TF.js has none for a
 * comparison (Greater, Less, Equal), which most kernels compose. What TF.js would give, below, was measured
 * with tfjs-tensorflow started and the comparisons given zero gradients.
 *
 * Two differences hold for several ops, which their entries name:
 * - select: JAX differentiates jnp.where, and relu's and relu6's custom jvps, by a select; TF.js's Select,
 *   Relu and Relu6 gradients multiply dy by the 0/1 mask, so an inf or NaN dy gives NaN on the side not
 *   taken, where JAX gives 0.
 * - flush: XLA on CPU reads a subnormal as 0, in x (1e-40 > 0 is false) and in the values a gradient is
 *   made of (sigmoid(-100)); TF.js's cpu and wasm keep them.
 */
import type { OpName } from '../../../src/ops/table.js';

export const GRADIENT_OVERRIDES: Partial<Record<OpName, string>> = {
  relu: "select, flush; and TF.js's Relu gradient, dy * step(x), is NaN at a NaN x, where JAX's is 0.",
  relu6:
    "select, flush; TF.js passes dy at x = 6 (its Relu6 gradient: 0 < x <= 6) and, through the adapter's " +
    'min(max(x, 0), 6), at 0 too; JAX on 0 < x < 6 alone.',
  hard_sigmoid: "relu6(x + 3) / 6 with relu6's jvp: 0 at x = -3 and 3, where TF.js's composition passes dy / 6.",
  hard_silu:
    "x * hard_sigmoid(x): TF.js's composition gives NaN at ±inf (JAX: 0 and dy), -dy / 2 at x = -3 (JAX: 0) " +
    'and 1.5 dy at 3 (JAX: dy).',
  softplus:
    "TF.js's composition (the forward's, with Kahan's log1p) gives NaN for |x| >= 18, where its quotient " +
    'log(w) / (w - 1) is 0 / 0 (1 + exp(-|x|) rounds to 1), and 1.5 dy at 0. jnp.logaddexp has a custom ' +
    'jvp, dy * exp(x - softplus(x)) with +inf read as 0: dy / 2 at 0, dy at inf. flush.',
  log_sigmoid: '-softplus(-x): as softplus.',
  leaky_relu: 'select, flush (-1e-40 >= 0 under XLA: dy there, not negative_slope * dy).',
  elu: 'select, flush (XLA takes the exponential side at 1e-40: alpha * dy).',
  selu: 'scale * elu(x, alpha): as elu.',
  glu:
    'flush: XLA flushes sigmoid(b) to 0 below b = -87.3, and so the gradient for a there, dy * sigmoid(b), ' +
    'and for b, 0 or NaN where dy * a overflows (a = 3e38, b = -90); unflushed they are dy * 8e-40 and inf.',
  hard_shrink: 'select, flush (with threshold 0, |1e-40| > 0 is false: 0).',
  hard_tanh: 'select.',
  soft_shrink: 'select.',
  sparse_plus: 'select.',
  threshold: 'select, flush (x and the threshold, as the forward compares them).',
  sparse_sigmoid:
    '0.5 * clip(x + 1, 0, 2) is jnp.maximum, then jnp.minimum: JAX shares dy in halves on their ties ' +
    "(lax's _balanced_eq), dy / 4 at x = -1 and 1, where TF.js's Maximum and Minimum gradients give x the " +
    'whole of it: dy / 2.',
  sparsemax:
    'TF.js has no TopK gradient. JAX differentiates through jnp.sort (a gather in the sort order, ties in ' +
    'index order), the cumulative sum (a reverse cumulative sum) and max(x - tau, 0), halved where x = tau; select.',
};
