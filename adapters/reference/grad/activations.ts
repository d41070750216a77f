/**
 * Backward rules of the activations: jax.vjp of each op as Keras calls it on JAX (Keras 3.6 on JAX 0.4.34
 * and Keras 3.15 on JAX 0.10 differentiate them alike, to one rounding in gelu's). Each rule takes JAX's
 * steps, so an infinity or a NaN lands where JAX's does (its 0 * inf is NaN here too). Where those steps
 * are arithmetic, and XLA's tanh, which is reproduced, a rule takes them in float32 and gives JAX's bits;
 * through exp, expm1, log1p or erfc, whose XLA approximations differ in the last bits, it computes in
 * float64 and rounds once, keeping the float32 steps that change the outcome (a sigmoid that is exactly
 * 1, expm1(x) + 1 that is 0, a flushed subnormal).
 */
import type { Vjps } from '../../../src/ops/table.js';
import {
  erfc, flush, forEachGluPair, GELU_CUBIC, GELU_SQRT_2_OVER_PI, relu6, SELU_ALPHA, SELU_SCALE, sigmoid,
  sparsemaxSupport,
} from '../activations.js';
import { fromValues, reductionPlan, values, type RefArray } from '../ndarray.js';

type ActivationVjps = Pick<
  Vjps<RefArray>,
  | 'relu' | 'relu6' | 'sigmoid' | 'softplus' | 'softsign' | 'silu' | 'log_sigmoid' | 'leaky_relu'
  | 'hard_sigmoid' | 'hard_silu' | 'elu' | 'selu' | 'gelu' | 'softmax' | 'log_softmax'
  | 'celu' | 'glu' | 'hard_shrink' | 'hard_tanh' | 'soft_shrink' | 'squareplus' | 'tanh_shrink'
  | 'sparse_plus' | 'sparsemax' | 'threshold' | 'sparse_sigmoid'
>;

const f32 = Math.fround;
/** XLA on CPU reads a subnormal float32 operand as 0 and flushes a subnormal result. */
const store = (v: number): number => flush(f32(v));

/** dx = rule(x, g) per element, both read and the result stored as XLA's arithmetic does. */
function pointwise(x: RefArray, ct: RefArray, rule: (x: number, g: number) => number): { x: RefArray } {
  const g = values(ct);
  return { x: fromValues(values(x).map((v, i) => store(rule(flush(v), flush(g[i])))), x.shape, x.dtype) };
}

/** dx = g where `passes(x)`, else 0: JAX selects, which copies a cotangent as it is, subnormal or not. */
function selecting(x: RefArray, ct: RefArray, passes: (x: number) => boolean): { x: RefArray } {
  const g = values(ct);
  return { x: fromValues(values(x).map((v, i) => (passes(flush(v)) ? g[i] : 0)), x.shape, x.dtype) };
}

/**
 * lax.logistic as XLA computes it, 1 / (1 + exp(-x)) in float32 steps: exactly 1 from x = 16.7 and
 * subnormal, so flushed to 0, below -87.3. Its derivative s * (1 - s) is 0 at both ends, as in JAX.
 */
const logistic = (x: number): number => flush(f32(1 / f32(1 + f32(Math.exp(-x)))));

/**
 * JAX's derivative of m = max(a, b) (or min) with respect to a: 1 where a is m, 0 where not (NaN too), and
 * 1/2 each where a and b tie. celu, sparse_sigmoid's clip and sparsemax meet it at their corners.
 */
export const share = (a: number, b: number, m: number): number => (a === m ? 1 : 0) / (b === m ? 2 : 1);

/** JAX differentiates expm1 as expm1(x) + 1 in float32: below x = -17.3 that is 0, where exp(x) is not. */
const expFromExpm1 = (x: number): number => f32(Math.expm1(x)) + 1;

/** jax.nn.elu's: g above 0, alpha * g * exp(x) at 0 and below (NaN fails x > 0). */
const eluGrad = (x: number, g: number, alpha: number): number => (x > 0 ? g : alpha * g * expFromExpm1(x));

/** x + 3 in float32: 2.9999998 + 3 rounds to 6, outside relu6's open band (0, 6) where the slope is 1/6. */
const hardShift = (x: number): number => f32(x + 3);
const inBand = (a: number): boolean => a > 0 && a < 6;
/** XLA divides by 6 as it multiplies by float32 1/6. */
const sixth = (v: number): number => f32(v * f32(1 / 6));

/**
 * jax.nn.hard_silu's, x * hard_sigmoid(x), in its float32 steps: g * hs + (x * g) / 6 inside the band,
 * the first product and the sum fused (one rounding).
 */
function hardSiluGrad(x: number, g: number): number {
  const a = hardShift(x);
  return g * sixth(relu6(a)) + (inBand(a) ? sixth(f32(x * g)) : 0);
}

/**
 * XLA:CPU's float32 tanh, bit for bit: the rational approximation llvm_ir's EmitFastTanh emits with FMA,
 * clamped to exactly +-1 from |x| = 7.9988 (4 ulp from the true tanh at most).
 */
const TANH_NUMERATOR = [
  -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8, 1.48572235717979e-5,
  6.37261928875436e-4, 4.89352455891786e-3,
].map(f32);
const TANH_DENOMINATOR = [1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3].map(f32);
const TANH_CLAMP = f32(7.99881172180175781);

function xlaTanh(x: number): number {
  if (Math.abs(x) < f32(0.0004) || Number.isNaN(x)) return x;
  const c = Math.min(Math.max(x, -TANH_CLAMP), TANH_CLAMP);
  const c2 = f32(c * c);
  // Each step an FMA: c2 * p is exact in float64, so one float32 rounding of the sum.
  const horner = ([first, ...rest]: number[]) => rest.reduce((p, k) => f32(c2 * p + k), first);
  return f32(f32(c * horner(TANH_NUMERATOR)) / horner(TANH_DENOMINATOR));
}

/**
 * Keras's x - tanh(x), which JAX differentiates as g + f + f * t with f = -g * (1 - t): g * t**2, in float32
 * steps (NaN for an infinite g where t is 0 or 1).
 */
function tanhShrinkGrad(x: number, g: number): number {
  const t = xlaTanh(x);
  const f = store(-g * f32(1 - t));
  return store(g + f) + store(f * t);
}

const GELU_C = f32(GELU_SQRT_2_OVER_PI);
const GELU_K = f32(GELU_CUBIC);

/**
 * gelu(approximate=True)'s in JAX's float32 steps, with t = tanh(inner): g * (1 + t) / 2 plus the inner
 * derivative through p * (1 + t), p = x * g * (1 - t) / 2. Near x = -5 that multiplies 1 + t, within a
 * few ulp of 0, by up to 17, so every step counts, XLA's tanh too. x**2 overflows float32 past |x| =
 * 1.8e19, where JAX multiplies it by 0: NaN, as at +-inf.
 * JAX takes p * (1 + t) as p + p * t, and JAX 0.10 (Keras 3.15.1) rounds p * t first, as here, where
 * JAX 0.4.34 (Keras 3.6) fuses the two: up to 7.6e-7 |g| apart near x = -4.7.
 */
function geluTanhGrad(x: number, g: number): number {
  const x2 = store(x * x);
  const t = xlaTanh(store(GELU_C * store(x + store(GELU_K * store(x2 * x)))));
  const p = store(store(0.5 * store(x * g)) * f32(1 - t));
  const s = store(GELU_C * store(p + store(p * t)));
  return store(store(g * f32(0.5 * f32(1 + t))) + s) + store(store(GELU_K * s) * store(3 * x2));
}

/** gelu(approximate=False)'s: g * erfc(-x / sqrt(2)) / 2 + g * x * pdf(x); at +-inf that second term is inf * 0. */
const geluErfGrad = (x: number, g: number): number =>
  0.5 * g * erfc(-x * Math.SQRT1_2) + (x * g * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);

/**
 * jax.nn.celu's: max(x, 0) + alpha * expm1(min(x, 0) / alpha), through max's and min's halves at 0
 * (1/2 + 1/2: g). JAX multiplies by alpha and divides by it again: alpha = 0 is NaN everywhere.
 */
function celuGrad(x: number, g: number, alpha: number): number {
  const low = Math.min(x, 0);
  const viaLow = ((alpha * g * expFromExpm1(low / alpha)) / alpha) * share(x, 0, low);
  return viaLow + g * share(x, 0, Math.max(x, 0));
}

/**
 * jax.nn.squareplus's, in float32 steps as the forward: g/2 + (g/2 * (0.5 / sqrt(x**2 + b))) * 2x, the last
 * multiply and add fused (one rounding). x**2 overflows past |x| = 1.8e19 (the gradient is g/2 there)
 * and, with b = 0, underflows to 0 below |x| = 1e-19 (inf, and NaN at 0).
 */
function squareplusGrad(x: number, g: number, b: number): number {
  const rsqrt = f32(0.5 / f32(Math.sqrt(store(x * x + b))));
  const half = f32(g / 2);
  return store(half * rsqrt) * f32(2 * x) + half;
}

/** jax.nn.soft_sign's in float32 steps: g / d - g * d**-2 * |x| with d = 1 + |x|, inf / inf at +-inf. */
function softsignGrad(x: number, g: number): number {
  const d = f32(1 + Math.abs(x));
  return f32(g / d) - store(store(g * store(1 / f32(d * d))) * Math.abs(x));
}

/** jax.nn.sparse_sigmoid's: g/2 through clip(x + 1, 0, 2), whose max and min halve it at -1 and 1. */
function sparseSigmoidGrad(x: number, g: number): number {
  const shifted = f32(x + 1);
  const low = Math.max(0, shifted);
  return 0.5 * g * share(low, 2, Math.min(2, low)) * share(shifted, 0, low);
}

/** jax.nn.sparse_plus's: 0 up to -1, g from 1, g * (x + 1) / 2 between; 0 * inf (NaN) at +-inf, as JAX. */
function sparsePlusGrad(x: number, g: number): number {
  const between = x <= -1 || x >= 1 ? 0 : g;
  return (x >= 1 ? g : 0) + (between / 4) * (2 * f32(x + 1));
}

/**
 * The gradient of a joint (log-)softmax over `axes`, JAX's steps with u = exp(x - max) and s = sum(u) (the
 * max is a constant to JAX): softmax's (g / s - sum(g * u) / s**2) * u, log_softmax's g - sum(g) * u / s.
 */
export function softmaxGrad(x: RefArray, ct: RefArray, axes: number[], log: boolean): { x: RefArray } {
  const v = values(x);
  const g = values(ct).map(flush);
  const dx = new Float64Array(v.length);
  const { outer, inner } = reductionPlan(x.shape, axes);
  for (const base of outer) {
    const at = inner.map((off) => base + off);
    const max = at.reduce((m, i) => Math.max(m, v[i]), -Infinity);
    const u = at.map((i) => Math.exp(v[i] - max));
    const s = u.reduce((a, b) => a + b, 0);
    const sumG = at.reduce((a, i) => a + g[i], 0);
    const dot = at.reduce((a, i, k) => a + g[i] * u[k], 0);
    at.forEach((i, k) => {
      dx[i] = log ? g[i] + (-sumG / s) * u[k] : (g[i] / s - dot / (s * s)) * u[k];
    });
  }
  return { x: fromValues(dx.map(store), x.shape, x.dtype) };
}

/** glu's: g * s for the first half, x1 * g * s * (1 - s) for the second, s the sigmoid of the second. */
function gluGrad(x: RefArray, ct: RefArray, axis: number): { x: RefArray } {
  const v = values(x);
  const g = values(ct).map(flush);
  const dx = new Float64Array(v.length);
  forEachGluPair(x.shape, axis, (o, a, b) => {
    const s = logistic(v[b]);
    dx[a] = g[o] * s;
    dx[b] = flush(v[a]) * g[o] * (s * (1 - s));
  });
  return { x: fromValues(dx.map(store), x.shape, x.dtype) };
}

/**
 * Keras-JAX's sparsemax is max(x - tau, 0), tau = (sum of the support's cumulative sums - 1) / k: the
 * direct term goes through max (1/2 where x - tau is 0), and tau's through the sort, the j-th sorted value
 * counting once for each support position from j on. Ties sort in position order, so they can differ.
 */
function sparsemaxGrad(x: RefArray, ct: RefArray, axis: number): { x: RefArray } {
  const v = values(x);
  const g = values(ct).map(flush);
  const dx = new Float64Array(v.length);
  const { outer, inner } = reductionPlan(x.shape, [axis]);
  for (const base of outer) {
    const at = inner.map((off) => base + off);
    const { order, support, tau } = sparsemaxSupport(at.map((i) => v[i]));
    const direct = at.map((i) => {
      const shifted = store(v[i] - tau);
      return g[i] * share(shifted, 0, Math.max(shifted, 0));
    });
    const perTotal = -direct.reduce((a, b) => a + b, 0) / support.filter(Boolean).length;
    let tail = 0;
    for (let j = order.length - 1; j >= 0; j--) {
      if (support[j]) tail += perTotal;
      dx[at[order[j]]] = direct[order[j]] + tail;
    }
  }
  return { x: fromValues(dx.map(store), x.shape, x.dtype) };
}

export const activationVjps: ActivationVjps = {
  // jax.nn.relu and relu6 define their derivative: 0 at the corners 0 and 6, and for NaN.
  relu: ({ x }, _, _out, ct) => selecting(x, ct, (v) => v > 0),
  relu6: ({ x }, _, _out, ct) => selecting(x, ct, (v) => v > 0 && v < 6),
  sigmoid: ({ x }, _, _out, ct) =>
    pointwise(x, ct, (v, g) => {
      const s = logistic(v);
      return g * (s * (1 - s));
    }),
  // logaddexp's derivative, exp(x - softplus(x)): the sigmoid, flushed where subnormal.
  softplus: ({ x }, _, _out, ct) => pointwise(x, ct, (v, g) => g * flush(sigmoid(v))),
  softsign: ({ x }, _, _out, ct) => pointwise(x, ct, softsignGrad),
  silu: ({ x }, _, _out, ct) =>
    pointwise(x, ct, (v, g) => {
      const s = logistic(v);
      // The sigmoid's cotangent g * x is a float32 that overflows to inf at |x| = 3e38, then times 0: NaN.
      return g * s + f32(v * g) * (s * (1 - s));
    }),
  log_sigmoid: ({ x }, _, _out, ct) => pointwise(x, ct, (v, g) => g * flush(sigmoid(-v))),
  // Both branches are taken, one of them times 0: a zero slope with an infinite cotangent is NaN.
  leaky_relu: ({ x }, { negativeSlope }, _out, ct) =>
    pointwise(x, ct, (v, g) => (v >= 0 ? g : 0) + f32(negativeSlope) * (v >= 0 ? 0 : g)),
  hard_sigmoid: ({ x }, _, _out, ct) => pointwise(x, ct, (v, g) => (inBand(hardShift(v)) ? sixth(g) : 0)),
  hard_silu: ({ x }, _, _out, ct) => pointwise(x, ct, hardSiluGrad),
  elu: ({ x }, { alpha }, _out, ct) => pointwise(x, ct, (v, g) => eluGrad(v, g, f32(alpha))),
  // JAX's selu scales by the float32 constants.
  selu: ({ x }, _, _out, ct) => pointwise(x, ct, (v, g) => eluGrad(v, f32(SELU_SCALE) * g, f32(SELU_ALPHA))),
  gelu: ({ x }, { approximate }, _out, ct) => pointwise(x, ct, approximate ? geluTanhGrad : geluErfGrad),
  softmax: ({ x }, { axes }, _out, ct) => softmaxGrad(x, ct, axes, false),
  log_softmax: ({ x }, { axes }, _out, ct) => softmaxGrad(x, ct, axes, true),
  celu: ({ x }, { alpha }, _out, ct) => pointwise(x, ct, (v, g) => celuGrad(v, g, f32(alpha))),
  glu: ({ x }, { axis }, _out, ct) => gluGrad(x, ct, axis),
  // Keras's jnp.where(abs(x) > threshold, x, 0.0) and friends: g where x is kept, NaN never is.
  hard_shrink: ({ x }, { threshold }, _out, ct) => selecting(x, ct, (v) => Math.abs(v) > flush(f32(threshold))),
  // NaN fails both bounds and passes.
  hard_tanh: ({ x }, _, _out, ct) => selecting(x, ct, (v) => !(v > 1) && !(v < -1)),
  soft_shrink: ({ x }, { threshold }, _out, ct) => {
    const t = flush(f32(threshold));
    return pointwise(x, ct, (v, g) => (v > t || v < -t ? g : 0));
  },
  squareplus: ({ x }, { b }, _out, ct) => pointwise(x, ct, (v, g) => squareplusGrad(v, g, f32(b))),
  tanh_shrink: ({ x }, _, _out, ct) => pointwise(x, ct, tanhShrinkGrad),
  sparse_plus: ({ x }, _, _out, ct) => pointwise(x, ct, sparsePlusGrad),
  sparsemax: ({ x }, { axis }, _out, ct) => sparsemaxGrad(x, ct, axis),
  threshold: ({ x }, { threshold }, _out, ct) => selecting(x, ct, (v) => v > flush(f32(threshold))),
  sparse_sigmoid: ({ x }, _, _out, ct) => pointwise(x, ct, sparseSigmoidGrad),
};
