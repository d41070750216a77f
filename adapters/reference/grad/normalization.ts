/**
 * Backward rules of moments, batch_normalization, normalize, rms_normalization and layer_normalization:
 * jax.vjp of Keras's op on JAX (Keras 3.6 on JAX 0.4.34 and 3.15 on JAX 0.10 differentiate them alike, to
 * a rounding), JAX's transposes in JAX's order in float32 steps (grad/lax.ts). What JAX's rules decide:
 * - jnp.var subtracts a mean it differentiates through: the gradient of the variance is 2 (x - m) gv / N
 *   less its own mean, which cancels the float32 mean's rounding (x ~ 1e4 loses nothing);
 * - lax.rsqrt's slope is -0.5 * rsqrt(x) / x: at a variance + epsilon of 0, inf, and 0 * inf is NaN;
 * - normalize's caps (min(rsqrt, 1/epsilon) for order 2, max(norm, epsilon) otherwise) pass the norm's
 *   cotangent only where the norm won, half of it on a tie; the capped side still goes through rsqrt's or
 *   pow's slope, so a zero vector's gradient is NaN for order 2 and p >= 3 (0 * inf), and g / epsilon
 *   for order 1 (abs's slope is finite);
 * - jnp.linalg.norm's matrix 1-norm is a max over column sums, whose cotangent ties share equally.
 */
import type { LayerNormalizationAttrs, NormalizeAttrs } from '../../../src/ops/normalization.js';
import type { Vjps } from '../../../src/ops/table.js';
import type { RefArray } from '../ndarray.js';
import { share } from './activations.js';
import {
  absT, add, arr, broadcastShapes, div, divisorT, map, mul, reduceOver, requested, rsqrtSlope, store, sumOver, sumTo, toRef, zip,
  type Arr, type Wrt,
} from './lax.js';

type NormalizationVjps = Pick<
  Vjps<RefArray>,
  'moments' | 'batch_normalization' | 'normalize' | 'rms_normalization' | 'layer_normalization'
>;

const f32 = Math.fround;
const neg = (x: number): number => -x;
const square = (x: number): number => x * x;
const rsqrt = (x: number): number => 1 / Math.sqrt(x);

/** jnp.mean over `axes` (kept dims), the values centred on it as jnp.var centres them, and the count. */
interface Centred {
  mean: Arr;
  c: Arr;
  n: number;
}

function centred(x: Arr, axes: readonly number[]): Centred {
  const n = axes.reduce((p, d) => p * x.shape[d], 1);
  const mean = map(sumOver(x, axes), (s) => s / n);
  return { mean, c: zip(x, mean, (a, m) => a - m), n };
}

const varianceOf = ({ c, n }: Centred, axes: readonly number[]): Arr => map(sumOver(map(c, square), axes), (s) => s / n);

/**
 * The transpose of (jnp.mean(x), jnp.var(x)) for their cotangents gm and gv (kept dims): gm / N to every
 * x; (gv / N) * 2c to each x, and minus that summed, over N, through the mean jnp.var subtracts.
 */
function momentsT({ c, n }: Centred, axes: readonly number[], gm: Arr, gv: Arr): Arr {
  const viaSquares = zip(map(gv, (g) => g / n), c, (g, ci) => g * store(2 * ci));
  const viaMean = zip(map(gm, (g) => g / n), sumOver(viaSquares, axes), (g, s) => g + store(-s / n));
  return zip(viaSquares, viaMean, add);
}

/** The cotangent of v in rsqrt(v + eps), for ctR that of the rsqrt. */
function rsqrtT(ctR: Arr, v: Arr, eps: number): Arr {
  const e = f32(eps);
  return zip(ctR, map(v, (vi) => rsqrtSlope(store(rsqrt(store(vi + e))), store(vi + e))), mul);
}

type BatchInputs = Record<'x' | 'mean' | 'variance', RefArray> & Record<'offset' | 'scale', RefArray | null>;

/** x * inv + (offset - mean * inv), inv = rsqrt(variance + eps) * scale, the vectors along `axis`. */
function batchNormalizationT(inputs: BatchInputs, axis: number, epsilon: number, ct: RefArray, wrt: Wrt) {
  const vec = inputs.x.shape.map((_, d) => (d === axis ? inputs.mean.shape[0] : 1));
  const [x, mean, variance, g] = [arr(inputs.x), arr(inputs.mean, vec), arr(inputs.variance, vec), arr(ct)];
  const scale = inputs.scale && arr(inputs.scale, vec);
  const r = map(variance, (v) => rsqrt(store(v + f32(epsilon))));
  const inv = scale ? zip(r, scale, mul) : r;
  const ctRes = sumTo(g, vec);
  const ctInv = zip(sumTo(zip(g, x, mul), vec), zip(ctRes, mean, (c, m) => c * -m), add);
  return requested(
    {
      x: sumTo(zip(g, inv, mul), x.shape),
      mean: map(zip(ctRes, inv, mul), neg),
      variance: rsqrtT(scale ? zip(ctInv, scale, mul) : ctInv, variance, epsilon),
      offset: ctRes,
      scale: scale && zip(ctInv, r, mul),
    },
    inputs,
    wrt,
  );
}

/** x * min(rsqrt(sum(x**2)), 1/eps): the cap passes nothing back to the sum of squares where it won. */
function l2NormalizeT(x: Arr, g: Arr, axes: readonly number[], epsilon: number): Arr {
  const cap = f32(1 / epsilon);
  const squares = sumOver(map(x, square), axes);
  const inv = map(squares, rsqrt);
  const capped = map(inv, (i) => Math.min(i, cap));
  const ctInv = zip(sumOver(zip(g, x, mul), axes), inv, (c, i) => c * share(i, cap, Math.min(i, cap)));
  const ctSquares = zip(ctInv, zip(inv, squares, rsqrtSlope), mul);
  return zip(zip(g, capped, mul), zip(ctSquares, x, (c, v) => c * store(2 * v)), add);
}

/** A norm over `axes` and the transpose that carries its cotangent back to x. */
interface Norm {
  n: Arr;
  back: (ctN: Arr) => Arr;
}

/** sum(|x|): each x gets the norm's cotangent through abs. */
function oneNorm(x: Arr, axes: readonly number[]): Norm {
  return { n: sumOver(map(x, Math.abs), axes), back: (ctN) => zip(ctN, x, absT) };
}

/** sum(|x| ** p) ** (1 / p), with lax.pow's slope y * x ** (y - 1) at both powers (inf at a 0 sum for p > 1). */
function pNorm(x: Arr, axes: readonly number[], p: number): Norm {
  const a = map(x, Math.abs);
  const s = sumOver(map(a, (v) => v ** p), axes);
  const ip = f32(1 / p);
  const powSlope = (y: number) => (v: number) => store(y * store(v ** f32(y - 1)));
  const back = (ctN: Arr) => {
    const ctS = zip(ctN, map(s, powSlope(ip)), mul);
    return zip(zip(ctS, map(a, powSlope(p)), mul), x, absT);
  };
  return { n: map(s, (v) => v ** ip), back };
}

/** jnp.linalg.norm(ord=1) over (row, col): the largest column sum of |x|, its cotangent shared by the columns that tie. */
function matrixOneNorm(x: Arr, [row, col]: readonly number[]): Norm {
  const sums = sumOver(map(x, Math.abs), [row]);
  const n = reduceOver(sums, [col], Math.max, -Infinity);
  const chosen = zip(sums, n, (s, m) => (s === m ? 1 : 0));
  const counts = sumOver(chosen, [col]);
  return { n, back: (ctN) => zip(zip(zip(ctN, counts, div), chosen, mul), x, absT) };
}

/** x / max(norm, eps): the cap passes the norm's cotangent where the norm won, half on a tie. */
function normalizeByNormT(x: Arr, g: Arr, { norm, axes, order, epsilon }: NormalizeAttrs): Arr {
  const { n, back } = norm === 'matrix1' ? matrixOneNorm(x, axes) : order === 1 ? oneNorm(x, axes) : pNorm(x, axes, order);
  const eps = f32(epsilon);
  const denom = map(n, (v) => Math.max(v, eps));
  const ctN = zip(sumOver(divisorT(g, x, denom), axes), n, (c, v) => c * share(v, eps, Math.max(v, eps)));
  return zip(zip(g, denom, div), back(ctN), add);
}

/** x * rsqrt(mean(x**2) + eps), then * scale (both broadcast as numpy does); a 0-D x counts as (1,). */
function rmsNormalizationT(x: RefArray, scaleIn: RefArray | null, axes: readonly number[], epsilon: number, ct: RefArray, wrt: Wrt) {
  const xs = arr(x, x.shape.length === 0 ? [1] : x.shape);
  const [g, scale] = [arr(ct), scaleIn && arr(scaleIn)];
  const n = axes.reduce((p, d) => p * xs.shape[d], 1);
  const meanSquare = map(sumOver(map(xs, square), axes), (s) => s / n);
  const r = map(meanSquare, (m) => rsqrt(store(m + f32(epsilon))));
  const normalized = zip(xs, r, mul);
  const ctNormalized = scale ? sumTo(zip(g, scale, mul), xs.shape) : g;
  const ctMeanSquare = rsqrtT(sumOver(zip(ctNormalized, xs, mul), axes), meanSquare, epsilon);
  const viaSquares = zip(map(ctMeanSquare, (c) => c / n), xs, (c, v) => c * store(2 * v));
  return requested(
    {
      x: zip(zip(ctNormalized, r, mul), viaSquares, add),
      scale: scale && sumTo(zip(g, normalized, mul), scale.shape),
    },
    { x, scale: scaleIn },
    wrt,
  );
}

type LayerInputs = { x: RefArray; gamma: RefArray | null; beta: RefArray | null };

/**
 * Keras's steps: mean and variance (moments), inv = rsqrt(variance + eps) * gamma, res = -mean * inv + beta,
 * x * inv + res, each broadcast as numpy does with gamma and beta in the shapes Keras gives them.
 */
function layerNormalizationT(inputs: LayerInputs, attrs: LayerNormalizationAttrs, ct: RefArray, wrt: Wrt) {
  const { axes, epsilon, gammaShape, betaShape } = attrs;
  const [x, g] = [arr(inputs.x), arr(ct)];
  const gamma = inputs.gamma && arr(inputs.gamma, gammaShape as number[]);
  const stats = centred(x, axes);
  const variance = varianceOf(stats, axes);
  const r = map(variance, (v) => rsqrt(store(v + f32(epsilon))));
  const inv = gamma ? zip(r, gamma, mul) : r;
  const negMean = map(stats.mean, neg);
  const resShape = broadcastShapes(broadcastShapes(negMean.shape, inv.shape), betaShape ?? []);
  const ctRes = sumTo(g, resShape);
  const ctScaled = sumTo(g, broadcastShapes(x.shape, inv.shape));
  const ctInv = zip(sumTo(zip(ctScaled, x, mul), inv.shape), sumTo(zip(ctRes, negMean, mul), inv.shape), add);
  const ctR = gamma ? sumTo(zip(ctInv, gamma, mul), r.shape) : ctInv;
  const ctMean = map(sumTo(zip(ctRes, inv, mul), negMean.shape), neg);
  const viaStats = momentsT(stats, axes, ctMean, rsqrtT(ctR, variance, epsilon));
  return requested(
    {
      x: zip(sumTo(zip(ctScaled, inv, mul), x.shape), viaStats, add),
      gamma: gamma && sumTo(zip(ctInv, r, mul), gamma.shape),
      beta: inputs.beta && sumTo(ctRes, betaShape as number[]),
    },
    inputs,
    wrt,
  );
}

export const normalizationVjps: NormalizationVjps = {
  moments: ({ x }, { axes }, _out, [gm, gv]) => {
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: toRef(momentsT(centred(arr(x), axes), axes, arr(gm, kept), arr(gv, kept)), x) };
  },
  batch_normalization: (inputs, { axis, epsilon }, _out, ct, wrt) => batchNormalizationT(inputs, axis, epsilon, ct, wrt),
  // A 0-D x is (1,) here, as in the output.
  normalize: ({ x }, attrs, out, ct) => {
    const [xs, g] = [arr(x, out.shape), arr(ct)];
    return { x: toRef(attrs.norm === 'l2' ? l2NormalizeT(xs, g, attrs.axes, attrs.epsilon) : normalizeByNormT(xs, g, attrs), x) };
  },
  rms_normalization: ({ x, scale }, { axes, epsilon }, _out, ct, wrt) => rmsNormalizationT(x, scale, axes, epsilon, ct, wrt),
  layer_normalization: (inputs, attrs, _out, ct, wrt) => layerNormalizationT(inputs, attrs, ct, wrt),
};
