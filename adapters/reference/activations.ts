/** Reference activations, in float64, with the formulas Keras computes on JAX (3.6, and 3.7 to 3.10's). */
import type { Kernels } from '../../src/ops/table.js';
import { fromValues, reductionPlan, sizeOf, values, type RefArray } from './ndarray.js';

type ActivationKernels = Pick<
  Kernels<RefArray>,
  | 'relu' | 'relu6' | 'sigmoid' | 'softplus' | 'softsign' | 'silu' | 'log_sigmoid' | 'leaky_relu'
  | 'hard_sigmoid' | 'hard_silu' | 'elu' | 'selu' | 'gelu' | 'softmax' | 'log_softmax'
  | 'celu' | 'glu' | 'hard_shrink' | 'hard_tanh' | 'soft_shrink' | 'squareplus' | 'tanh_shrink'
  | 'sparse_plus' | 'sparsemax' | 'threshold' | 'sparse_sigmoid'
>;

const f32 = Math.fround;
/** XLA on CPU flushes float32 subnormals to zero, in comparisons and results: 1e-40 > 0 is false there. */
export const flush = (v: number): number => (Math.abs(v) < 2 ** -126 ? 0 : v);

// jax.nn.selu's constants, as Keras uses them.
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;
// jax.nn.gelu's tanh approximation: sqrt(2 / pi) * (x + GELU_CUBIC * x**3).
export const GELU_SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
export const GELU_CUBIC = 0.044715;

export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** logaddexp(x, 0) without overflow. */
export const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
export const relu6 = (x: number): number => Math.min(Math.max(x, 0), 6);
export const elu = (x: number, alpha: number): number => (x > 0 ? x : alpha * Math.expm1(x));

function map(x: RefArray, dtype: RefArray['dtype'], f: (v: number) => number): RefArray {
  const v = values(x);
  for (let i = 0; i < v.length; i++) v[i] = f(v[i]);
  return fromValues(v, x.shape, dtype);
}

/** Abramowitz-Stegun 7.1.26 is too coarse for 1e-6; this is the series/continued fraction pair. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)).
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - erfcLarge(ax));
}

/** 1 - erf(x) without its cancellation in the tails (the exact gelu's gradient reads erfc far out). */
export function erfc(x: number): number {
  if (x >= 2.5) return erfcLarge(x);
  return x <= -2.5 ? 2 - erfcLarge(-x) : 1 - erf(x);
}

/** erfc(x) for x >= 2.5 by its continued fraction (Lentz), accurate to double precision. */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...))))).
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = x + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function gelu(x: number, approximate: boolean): number {
  if (approximate) {
    const inner = GELU_SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x);
    return 0.5 * x * (1 + Math.tanh(inner));
  }
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** Joint (log-)softmax over `axes` of values `v` in `shape`, in float64: max-shifted, as jax.nn.softmax. */
export function softmaxValues(v: Float64Array, shape: readonly number[], axes: number[], log: boolean): Float64Array {
  const out = new Float64Array(v.length);
  const { outer, inner } = reductionPlan(shape, axes);
  for (const base of outer) {
    let max = -Infinity;
    for (const off of inner) max = Math.max(max, v[base + off]);
    // An all -inf slice gives NaN, as in JAX (exp(-inf - -inf)).
    let sum = 0;
    for (const off of inner) sum += Math.exp(v[base + off] - max);
    for (const off of inner) {
      const shifted = v[base + off] - max;
      out[base + off] = log ? shifted - Math.log(sum) : Math.exp(shifted) / sum;
    }
  }
  return out;
}

type GluVisit = (o: number, a: number, b: number) => void;

/** Visits each position o of glu's output with its pair's offsets in x: a in axis's first half, b in its second. */
export function forEachGluPair(shape: readonly number[], axis: number, visit: GluVisit): void {
  const half = shape[axis] / 2;
  const post = sizeOf(shape.slice(axis + 1));
  const size = sizeOf(shape) / 2;
  for (let o = 0; o < size; o++) {
    const q = o % post;
    const j = Math.floor(o / post) % half;
    const p = Math.floor(o / post / half);
    const a = (p * 2 * half + j) * post + q;
    visit(o, a, a + half * post);
  }
}

/**
 * jax.nn.glu: the first half of `axis` times the sigmoid of the second, a subnormal sigmoid (x below
 * -87.3) flushed to 0 as XLA does: 3e38 * sigmoid(-90) is 0 in Keras.
 */
function glu(x: RefArray, axis: number, dtype: RefArray['dtype']): RefArray {
  const v = values(x);
  const shape = x.shape.map((d, i) => (i === axis ? d / 2 : d));
  const out = new Float64Array(sizeOf(shape));
  forEachGluPair(x.shape, axis, (o, a, b) => {
    out[o] = v[a] * flush(f32(sigmoid(v[b])));
  });
  return fromValues(out, shape, dtype);
}

/**
 * How JAX meets x with a Python number t: an int32 or bool x and an int t in int32 arithmetic, exactly;
 * anything else in float32, x and t rounded first (t=0.1 is 0.10000000149).
 */
function againstNumber(x: RefArray, t: number): { t: number; of: (v: number) => number } {
  if (x.dtype !== 'float32' && Number.isInteger(t)) return { t, of: (v) => v };
  return { t: f32(t), of: f32 };
}

/** jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0)). */
function softShrink(x: RefArray, threshold: number, dtype: RefArray['dtype']): RefArray {
  const { t, of } = againstNumber(x, threshold);
  return map(x, dtype, (raw) => {
    const v = of(raw);
    return v > t ? v - t : v < -t ? v + t : 0;
  });
}

/**
 * jax.nn.squareplus, (x + sqrt(x**2 + b)) / 2, each step rounded to float32 as JAX computes it: x**2
 * overflows past 1.8e19 (squareplus(-1e30) is inf there), and x + sqrt(..) cancels for large negative x,
 * where float64 would give other numbers than Keras's. XLA fuses a float32 x**2 + b into one FMA, one
 * rounding (x * x is exact in float64); an int32 x is squared exactly, rounded to float32, then added.
 */
function squareplus(x: number, b: number, fused: boolean): number {
  const inner = fused ? f32(x * x + b) : f32(f32(x * x) + b);
  return f32(x + f32(Math.sqrt(inner))) / 2;
}

/**
 * The positions of one slice in jnp.sort's descending order: NaNs last, ties in position order (the sort is
 * stable and sees -0, +0 and the subnormals XLA flushes as one zero).
 */
export function descendingOrder(slice: number[]): number[] {
  const nan = (i: number) => Number(Number.isNaN(slice[i]));
  // b - a is NaN for two equal infinities: those are equal too.
  const byValue = (a: number, b: number) => flush(slice[b]) - flush(slice[a]) || 0;
  return slice.map((_, i) => i).sort((a, b) => (nan(a) || nan(b) ? nan(a) - nan(b) : byValue(a, b)));
}

export interface SparsemaxSupport {
  /** The slice's positions in descending order. */
  order: number[];
  /** Whether each sorted position is in the support. */
  support: boolean[];
  tau: number;
}

/**
 * Keras-JAX's tau for one slice: the support is where sorted - (cumsum - 1) / r > 0, and tau sums the
 * cumulative sums over the whole support (not the last one's, as the paper's sparsemax), minus 1, over
 * its size. That sum jumps where the support's edge moves, so every step is rounded to float32 as JAX
 * does (cumsum from the left, as XLA's reduce-window): with float64 a row of 1e9s keeps a support
 * float32 loses.
 */
export function sparsemaxSupport(slice: number[]): SparsemaxSupport {
  const order = descendingOrder(slice);
  let cumsum = 0;
  let total = 0;
  const support = order.map((i, j) => {
    const z = slice[i];
    cumsum = f32(cumsum + z);
    const inside = f32(z - f32(f32(cumsum - 1) / (j + 1))) > 0;
    if (inside) total = f32(total + cumsum);
    return inside;
  });
  const k = support.filter(Boolean).length;
  return { order, support, tau: f32(f32(total - 1) / k) };
}

function sparsemax(x: RefArray, axis: number, dtype: RefArray['dtype']): RefArray {
  const v = values(x).map(f32);
  const out = new Float64Array(v.length);
  const { outer, inner } = reductionPlan(x.shape, [axis]);
  for (const base of outer) {
    const { tau } = sparsemaxSupport(inner.map((off) => v[base + off]));
    // jnp.maximum keeps NaN (x - tau is NaN for a NaN x, and for -inf when tau is -inf).
    for (const off of inner) out[base + off] = Math.max(f32(v[base + off] - tau), 0);
  }
  return fromValues(out, x.shape, dtype);
}

export const activationKernels: ActivationKernels = {
  relu: ({ x }, _, out) => map(x, out.dtype, (v) => Math.max(v, 0)),
  relu6: ({ x }, _, out) => map(x, out.dtype, relu6),
  sigmoid: ({ x }, _, out) => map(x, out.dtype, sigmoid),
  softplus: ({ x }, _, out) => map(x, out.dtype, softplus),
  softsign: ({ x }, _, out) => map(x, out.dtype, (v) => v / (1 + Math.abs(v))),
  silu: ({ x }, _, out) => map(x, out.dtype, (v) => v * sigmoid(v)),
  log_sigmoid: ({ x }, _, out) => map(x, out.dtype, (v) => -softplus(-v)),
  // JAX casts a Python-float slope or alpha to x's float32 first: 1e-142 becomes 0, and 0 * -inf is NaN.
  leaky_relu: ({ x }, { negativeSlope }, out) => {
    const slope = Math.fround(negativeSlope);
    return map(x, out.dtype, (v) => (v >= 0 ? v : slope * v));
  },
  hard_sigmoid: ({ x }, _, out) => map(x, out.dtype, (v) => relu6(v + 3) / 6),
  hard_silu: ({ x }, _, out) => map(x, out.dtype, (v) => (v * relu6(v + 3)) / 6),
  elu: ({ x }, { alpha }, out) => map(x, out.dtype, (v) => elu(v, Math.fround(alpha))),
  selu: ({ x }, _, out) => map(x, out.dtype, (v) => SELU_SCALE * elu(v, SELU_ALPHA)),
  gelu: ({ x }, { approximate }, out) => map(x, out.dtype, (v) => gelu(v, approximate)),
  softmax: ({ x }, { axes }, out) => fromValues(softmaxValues(values(x), x.shape, axes, false), x.shape, out.dtype),
  log_softmax: ({ x }, { axes }, out) => fromValues(softmaxValues(values(x), x.shape, axes, true), x.shape, out.dtype),
  // jax.nn.celu: max(x, 0) + alpha * expm1(min(x, 0) / alpha); alpha=0 gives NaN for x >= 0 (0 / 0),
  // and for a negative subnormal x too, which XLA flushes to 0 first.
  celu: ({ x }, { alpha }, out) => {
    const a = f32(alpha);
    return map(x, out.dtype, (v) => Math.max(v, 0) + a * Math.expm1(Math.min(flush(v), 0) / a));
  },
  glu: ({ x }, { axis }, out) => glu(x, axis, out.dtype),
  // jnp.where(abs(x) > threshold, x, 0.0): NaN fails the test and gives 0.
  hard_shrink: ({ x }, { threshold }, out) => {
    const { t, of } = againstNumber(x, threshold);
    return map(x, out.dtype, (v) => (Math.abs(of(v)) > t ? v : 0));
  },
  // jax.nn.hard_tanh: where(x > 1, 1, where(x < -1, -1, x)), NaN passing through; int32 stays int32.
  hard_tanh: ({ x }, _, out) => map(x, out.dtype, (v) => (v > 1 ? 1 : v < -1 ? -1 : v)),
  soft_shrink: ({ x }, { threshold }, out) => softShrink(x, threshold, out.dtype),
  squareplus: ({ x }, { b }, out) => {
    const b32 = f32(b);
    return map(x, out.dtype, (v) => squareplus(f32(v), b32, x.dtype === 'float32'));
  },
  tanh_shrink: ({ x }, _, out) => map(x, out.dtype, (v) => v - Math.tanh(v)),
  // jax.nn.sparse_plus: where(x <= -1, 0, where(x >= 1, x, (x + 1)**2 / 4)); NaN fails both tests.
  sparse_plus: ({ x }, _, out) => map(x, out.dtype, (v) => (v <= -1 ? 0 : v >= 1 ? v : ((v + 1) * (v + 1)) / 4)),
  sparsemax: ({ x }, { axis }, out) => sparsemax(x, axis, out.dtype),
  // jnp.where(x > threshold, x, default_value); NaN fails the test.
  threshold: ({ x }, { threshold, defaultValue }, out) => {
    const { t, of } = againstNumber(x, threshold);
    const t0 = flush(t);
    return map(x, out.dtype, (v) => (flush(of(v)) > t0 ? v : defaultValue));
  },
  // jax.nn.sparse_sigmoid: 0.5 * clip(x + 1, 0, 2), NaN kept.
  sparse_sigmoid: ({ x }, _, out) => map(x, out.dtype, (v) => 0.5 * Math.min(Math.max(v + 1, 0), 2)),
};
