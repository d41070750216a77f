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
  normalize:
    "TF.js's Abs gradient is dy * step(x, -1), -dy at x = 0, where JAX selects +dy (x >= 0): the norm's cotangent " +
    'reaches a 0 entry with the other sign (normalize([3, -4, 0], order=1) for dy [1, -1, 2] is 1/7 there in JAX, ' +
    "3/7 by TF.js's rule). The caps min(rsqrt, 1/epsilon) and max(norm, epsilon) and the matrix 1-norm's max over " +
    "columns tie: TF.js's Minimum, Maximum and Max gradients give every tied operand the whole dy, JAX halves it " +
    '(_balanced_eq) and shares a max among its ties.',
  binary_crossentropy:
    "jnp.clip(output, eps, 1 - eps) at a bound: TF.js's Maximum and Minimum gradients give the output the whole " +
    "dy, JAX half (sparse_sigmoid's). from_logits: log_sigmoid as TF.js composes it, with softplus's NaN and 1.5 dy " +
    "(softplus's entry); JAX's softplus custom jvp.",
  categorical_crossentropy: "the clip of output / sum(output) at a bound, as binary_crossentropy's.",
  sparse_categorical_crossentropy: "the clip of output / sum(output) at a bound, as binary_crossentropy's.",
  max_pool:
    "TF.js's MaxPoolGrad gives a window's dy to its first maximum on tensorflow and cpu, its last on wasm ([1, 1] " +
    'by 2: [0, 1]); never to a NaN on cpu and wasm, on tensorflow to one only where it starts the window; and from ' +
    "an all -inf window to none on cpu. JAX's select_and_scatter (>=) keeps a window's first cell until one it is " +
    'not >= to takes over: the first maximum; after a NaN, the next cell, and a NaN that ends the window keeps it ' +
    "([1, NaN, 0]: 0, [5, NaN]: NaN); among -inf, the first, the 'same' padding too (nothing back). Composed: the " +
    "forward's taps, a scan with >=, the shares spread back tap by tap in reverse, so each cell adds them in JAX's " +
    "order (cpu's MaxPoolGrad adds in float64).",
  average_pool:
    "TF.js's AvgPoolGrad divides a 'same' window's dy by the whole window, padding included, on cpu and wasm (pool " +
    '3 over 3 cells, dy 1: 2/3 at the ends, JAX 5/6), by its real cells on tensorflow, as JAX; and XLA (JAX 0.10) ' +
    'divides by a broadcast divisor as a product with its float32 reciprocal (dividesByReciprocal).',
  adaptive_max_pool:
    "TF.js has no adaptive pool: the forward's tf.maximum over gathered taps would give a window holding a NaN " +
    "nothing (its NaN mask is a select), ties to the first tap, as JAX. Composed as JAX's transpose runs: jnp.take's " +
    "into the small and big pools by gathers, then max_pool's rule for each.",
  dot_product_attention:
    "select: the mask's jnp.where passes a masked logit's cotangent as 0, where TF.js's Select gradient multiplies " +
    "it by the mask: a NaN row gives its masked keys' bias NaN (JAX: 0). And jax.nn.softmax stops the max's " +
    "gradient, where TF.js's Max gradient in the forward's composition (logits - max) would hand the row's maximum " +
    "the sum of its cotangents, 0 to a rounding, and NaN in a NaN row. Composed as JAX's transpose runs: the " +
    "second einsum's two matMuls, softmax's rule, the select, the scale and the first einsum's two matMuls.",
  conv:
    "TF.js's Conv2D and Conv3D gradients refuse a dilation > 1 ('dilation rates greater than 1 are not yet supported " +
    "in gradients'), and the forward composes what lax does in one call (1-D through a 2-D view, 'same' as explicit " +
    'pads, a stride with a dilation as a stride-1 conv subsampled, groups as one conv each, channels_first by ' +
    "transposes), so tf.grad would need each piece's gradient, none registered on cpu and wasm. Written as lax's " +
    "transposes: the input's a grouped conv of the cotangent spread by the strides (zeros for rows the strides left " +
    "over), the kernel's a conv of the input, batch and channels swapped, by the cotangent.",
  depthwise_conv:
    "TF.js's DepthwiseConv2dNative gradient takes rank 4 alone (no 1-D, and TF.js has no 3-D depthwise conv: the " +
    "forward's is a grouped conv3d) and refuses a dilation > 1; JAX's is conv's rule with groups = C over the " +
    'kernel read as (*k, 1, C*M).',
  separable_conv: "depthwise_conv's and conv's rules, chained through the cotangent of the depthwise result.",
  conv_transpose:
    "TF.js's gradients of the forward's composition refuse a dilation (Conv2D's and Conv3D's: 'dilation rates " +
    "greater than 1 are not yet supported in gradients'), and Conv2DBackpropInput's, over conv2dTranspose and " +
    "the crop, pairs the input with the zeros the crop's gradient pads the cotangent with: an input's infinity " +
    "gives NaN at a tap that never reached the output (x [inf, 1, NaN], kernel [1, 2, 4], 'same', strides 2: " +
    "kernel gradient [NaN, NaN, NaN], JAX's [NaN, NaN, inf]). Composed as JAX's transpose runs: the cotangent " +
    "convolved with the kernel, and the input, dilated by the strides and padded, with the cotangent.",
  ctc_loss:
    "TF.js has no CTC op, so none of its rules apply: the forward's recursion (ctc.ts) transposed frame by frame " +
    "as JAX's scan is, logaddexp's custom jvp weights (the LOG_EPSILON paths of an impossible alignment included), " +
    "the one-hot einsum as a product with the one-hot (a NaN cotangent spreads over its frame), log_softmax's.",
  polar:
    "TF.js registers no gradient for Complex, Real or Imag (tf.grad through polar's kernel fails). JAX transposes " +
    "lax.complex as ct -> (real(ct), imag(-ct)): Re(ct * dy/dx), ct not conjugated; then mul's, sin's and cos's.",
};
