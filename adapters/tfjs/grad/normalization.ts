/**
 * Backward rules of moments, batch_normalization, normalize, rms_normalization and layer_normalization:
 * jax.vjp of Keras's op on JAX, JAX's transposes written with TF.js ops in the order JAX runs them, over
 * the forward's own steps (normalization.ts). adapters/reference/grad/normalization.ts says what JAX's
 * rules decide (the variance's gradient through its mean, rsqrt's slope, the caps' tie shares, NaN for a
 * zero vector under order 2 and p >= 3).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNormalizationAttrs, NormalizeAttrs } from '../../../src/ops/normalization.js';
import type { Vjps } from '../../../src/ops/table.js';
import { cast } from '../gpu-layout.js';
import { div, max, pow } from '../gpu-math.js';
import { float, moments, rsqrt } from '../normalization.js';
import { absT, divisorT, requested, rsqrtT, sumKept, sumTo, tieShare } from './lax.js';

type NormalizationVjps = Required<
  Pick<Vjps<tf.Tensor>, 'moments' | 'batch_normalization' | 'normalize' | 'rms_normalization' | 'layer_normalization'>
>;

const { assertAndGetBroadcastShape: broadcastShapes } = tf.backend_util;
const { arraysEqual } = tf.util;
const f32 = Math.fround;
const countOver = (shape: readonly number[], axes: readonly number[]) => axes.reduce((n, d) => n * shape[d], 1);

/**
 * The transpose of (jnp.mean(x), jnp.var(x)) for their cotangents gm and gv (kept dims), m the mean:
 * gm / N to every x; (gv / N) * 2(x - m) to each x, and minus that summed, over N, through the mean.
 */
function momentsT(x: tf.Tensor, m: tf.Tensor, axes: readonly number[], gm: tf.Tensor, gv: tf.Tensor): tf.Tensor {
  const n = countOver(x.shape, axes);
  const viaSquares = tf.mul(div(gv, n), tf.mul(2, tf.sub(x, m)));
  const viaMean = tf.add(div(gm, n), div(tf.neg(sumKept(viaSquares, axes)), n));
  return tf.add(viaSquares, viaMean);
}

/** The gradients asked for, each in its input's shape. */
function shaped<K extends string>(grads: Partial<Record<K, tf.Tensor | null>>, like: Record<K, tf.Tensor | null>, wrt: readonly string[]) {
  const asked = Object.entries(requested(grads, wrt)) as [K, tf.Tensor][];
  return Object.fromEntries(asked.map(([name, g]) => [name, tf.reshape(g, like[name]!.shape)])) as Partial<Record<K, tf.Tensor>>;
}

type BatchInputs = Record<'x' | 'mean' | 'variance', tf.Tensor> & Record<'offset' | 'scale', tf.Tensor | null>;

/** t in `like`'s shape, reshaped only where it differs (a reshape is a kernel on some backends). */
const shapedLike = (t: tf.Tensor, like: tf.Tensor): tf.Tensor => (arraysEqual(t.shape, like.shape) ? t : tf.reshape(t, like.shape));

/**
 * x * inv + (offset - mean * inv), inv = rsqrt(variance + eps) * scale, the vectors along `axis`: 1-D as
 * given where `axis` is the last (they broadcast so), else reshaped to broadcast along it.
 */
function batchNormalizationT(inputs: BatchInputs, axis: number, epsilon: number, g: tf.Tensor, wrt: readonly string[]) {
  const last = axis === inputs.x.rank - 1;
  const length = inputs.mean.shape[0];
  const shape = last ? [length] : inputs.x.shape.map((_, d) => (d === axis ? length : 1));
  const along = (v: tf.Tensor) => (last ? float(v) : tf.reshape(float(v), shape));
  const [x, mean, shifted] = [float(inputs.x), along(inputs.mean), tf.add(along(inputs.variance), epsilon)];
  const scale = inputs.scale && along(inputs.scale);
  const r = rsqrt(shifted);
  const inv = scale ? tf.mul(r, scale) : r;
  const ctRes = sumTo(g, shape);
  const ctInv = tf.add(sumTo(tf.mul(g, x), shape), tf.mul(ctRes, tf.neg(mean)));
  const ctX = tf.mul(g, inv);
  const grads = {
    x: arraysEqual(ctX.shape, x.shape) ? ctX : sumTo(ctX, x.shape),
    mean: tf.neg(tf.mul(ctRes, inv)),
    variance: rsqrtT(scale ? tf.mul(ctInv, scale) : ctInv, r, shifted),
    offset: ctRes,
    scale: scale && tf.mul(ctInv, r),
  };
  const asked = Object.entries(requested(grads, wrt)) as [keyof BatchInputs, tf.Tensor][];
  return Object.fromEntries(asked.map(([name, ct]) => [name, shapedLike(ct, inputs[name]!)])) as Partial<Record<keyof BatchInputs, tf.Tensor>>;
}

/** x * min(rsqrt(sum(x**2)), 1/eps): the cap passes nothing back to the sum of squares where it won. */
function l2NormalizeT(x: tf.Tensor, g: tf.Tensor, axes: readonly number[], epsilon: number): tf.Tensor {
  const cap = f32(1 / epsilon);
  const squares = sumKept(tf.square(x), axes);
  const inv = rsqrt(squares);
  const capped = tf.minimum(inv, cap);
  const ctInv = tf.mul(sumKept(tf.mul(g, x), axes), tieShare(inv, capped, cap));
  return tf.add(tf.mul(g, capped), tf.mul(rsqrtT(ctInv, inv, squares), tf.mul(2, x)));
}

/** A norm over `axes` and the transpose that carries its cotangent back to x. */
interface Norm {
  n: tf.Tensor;
  back: (ctN: tf.Tensor) => tf.Tensor;
}

/** The cotangent of |x|, broadcast to x, through abs. */
const throughAbs = (ct: tf.Tensor, x: tf.Tensor): tf.Tensor => absT(tf.mul(ct, tf.onesLike(x)), x);

function oneNorm(x: tf.Tensor, axes: readonly number[]): Norm {
  return { n: sumKept(tf.abs(x), axes), back: (ctN) => throughAbs(ctN, x) };
}

/** sum(|x| ** p) ** (1 / p), with lax.pow's slope y * x ** (y - 1) at both powers (inf at a 0 sum for p > 1). */
function pNorm(x: tf.Tensor, axes: readonly number[], p: number): Norm {
  const a = tf.abs(x);
  const s = sumKept(pow(a, p), axes);
  const ip = f32(1 / p);
  const slope = (t: tf.Tensor, y: number) => tf.mul(y, pow(t, f32(y - 1)));
  return { n: pow(s, ip), back: (ctN) => throughAbs(tf.mul(tf.mul(ctN, slope(s, ip)), slope(a, p)), x) };
}

/** jnp.linalg.norm(ord=1) over (row, col): the largest column sum of |x|, its cotangent shared by the columns that tie. */
function matrixOneNorm(x: tf.Tensor, [row, col]: readonly number[]): Norm {
  const sums = sumKept(tf.abs(x), [row]);
  const n = max(sums, col, true);
  const chosen = cast(tf.equal(sums, n), 'float32');
  return { n, back: (ctN) => throughAbs(tf.mul(div(ctN, sumKept(chosen, [col])), chosen), x) };
}

/** x / max(norm, eps): the cap passes the norm's cotangent where the norm won, half on a tie. */
function normalizeByNormT(x: tf.Tensor, g: tf.Tensor, { norm, axes, order, epsilon }: NormalizeAttrs): tf.Tensor {
  const { n, back } = norm === 'matrix1' ? matrixOneNorm(x, axes) : order === 1 ? oneNorm(x, axes) : pNorm(x, axes, order);
  const denom = tf.maximum(n, epsilon);
  const ctN = tf.mul(sumKept(divisorT(g, x, denom), axes), tieShare(n, denom, epsilon));
  return tf.add(div(g, denom), back(ctN));
}

function normalizeT(x: tf.Tensor, g: tf.Tensor, attrs: NormalizeAttrs): tf.Tensor {
  const xs = tf.reshape(float(x), g.shape);
  if (xs.size === 0) return tf.zerosLike(xs);
  return attrs.norm === 'l2' ? l2NormalizeT(xs, g, attrs.axes, attrs.epsilon) : normalizeByNormT(xs, g, attrs);
}

/** x * rsqrt(mean(x**2) + eps), then * scale (both broadcast as numpy does); a 0-D x counts as (1,). */
function rmsNormalizationT(
  x: tf.Tensor,
  scaleIn: tf.Tensor | null,
  { axes, epsilon }: { axes: readonly number[]; epsilon: number },
  g: tf.Tensor,
  wrt: readonly string[],
) {
  const xs = float(x.rank === 0 ? tf.reshape(x, [1]) : x);
  const scale = scaleIn && float(scaleIn);
  const meanSquare = tf.add(div(sumKept(tf.square(xs), axes), countOver(xs.shape, axes)), epsilon);
  const r = rsqrt(meanSquare);
  const ctNormalized = scale ? sumTo(tf.mul(g, scale), xs.shape) : g;
  const ctMeanSquare = rsqrtT(sumKept(tf.mul(ctNormalized, xs), axes), r, meanSquare);
  const viaSquares = tf.mul(div(ctMeanSquare, countOver(xs.shape, axes)), tf.mul(2, xs));
  const grads = {
    x: tf.add(tf.mul(ctNormalized, r), viaSquares),
    scale: scale && sumTo(tf.mul(g, tf.mul(xs, r)), scale.shape),
  };
  return shaped(grads, { x, scale: scaleIn }, wrt);
}

type LayerInputs = { x: tf.Tensor; gamma: tf.Tensor | null; beta: tf.Tensor | null };

/**
 * Keras's steps: mean and variance (moments), inv = rsqrt(variance + eps) * gamma, res = -mean * inv + beta,
 * x * inv + res, each broadcast as numpy does with gamma and beta in the shapes Keras gives them.
 */
function layerNormalizationT(inputs: LayerInputs, attrs: LayerNormalizationAttrs, g: tf.Tensor, wrt: readonly string[]) {
  const { axes, epsilon, gammaShape, betaShape } = attrs;
  const x = float(inputs.x);
  const gamma = inputs.gamma && tf.reshape(float(inputs.gamma), gammaShape as number[]);
  const [mean, variance] = moments(x, axes);
  const shifted = tf.add(variance, epsilon);
  const r = rsqrt(shifted);
  const inv = gamma ? tf.mul(r, gamma) : r;
  const negMean = tf.neg(mean);
  const ctRes = sumTo(g, broadcastShapes(broadcastShapes(negMean.shape, inv.shape), betaShape ?? []));
  const ctScaled = sumTo(g, broadcastShapes(x.shape, inv.shape));
  const ctInv = tf.add(sumTo(tf.mul(ctScaled, x), inv.shape), sumTo(tf.mul(ctRes, negMean), inv.shape));
  const ctR = gamma ? sumTo(tf.mul(ctInv, gamma), r.shape) : ctInv;
  const ctMean = tf.neg(sumTo(tf.mul(ctRes, inv), negMean.shape));
  const grads = {
    x: tf.add(sumTo(tf.mul(ctScaled, inv), x.shape), momentsT(x, mean, axes, ctMean, rsqrtT(ctR, r, shifted))),
    gamma: gamma && sumTo(tf.mul(ctInv, r), gamma.shape),
    beta: inputs.beta && sumTo(ctRes, betaShape as number[]),
  };
  return shaped(grads, inputs, wrt);
}

export const normalizationVjps: NormalizationVjps = {
  moments: ({ x }, { axes }, _out, [gm, gv]) => {
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const xs = float(x);
    return { x: momentsT(xs, moments(xs, axes)[0], axes, tf.reshape(gm, kept), tf.reshape(gv, kept)) };
  },
  batch_normalization: (inputs, { axis, epsilon }, _out, g, wrt) => batchNormalizationT(inputs, axis, epsilon, g, wrt),
  normalize: ({ x }, attrs, _out, g) => ({ x: tf.reshape(normalizeT(x, g, attrs), x.shape) }),
  rms_normalization: ({ x, scale }, attrs, _out, g, wrt) => rmsNormalizationT(x, scale, attrs, g, wrt),
  layer_normalization: (inputs, attrs, _out, g, wrt) => layerNormalizationT(inputs, attrs, g, wrt),
};
