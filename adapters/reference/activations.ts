/** Reference activations, in float64, with the formulas Keras 3.6 computes on JAX. */
import type { Kernels } from '../../src/ops/table.js';
import { fromValues, reductionPlan, values, type RefArray } from './ndarray.js';

type ActivationKernels = Pick<
  Kernels<RefArray>,
  | 'relu' | 'relu6' | 'sigmoid' | 'softplus' | 'softsign' | 'silu' | 'log_sigmoid' | 'leaky_relu'
  | 'hard_sigmoid' | 'hard_silu' | 'elu' | 'selu' | 'gelu' | 'softmax' | 'log_softmax'
>;

// jax.nn.selu's constants, as Keras uses them.
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** logaddexp(x, 0) without overflow. */
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const relu6 = (x: number): number => Math.min(Math.max(x, 0), 6);
const elu = (x: number, alpha: number): number => (x > 0 ? x : alpha * Math.expm1(x));

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

function gelu(x: number, approximate: boolean): number {
  if (approximate) {
    const inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
    return 0.5 * x * (1 + Math.tanh(inner));
  }
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** Joint (log-)softmax over `axes`: max-shifted, as jax.nn.softmax. */
function softmaxOver(x: RefArray, axes: number[], log: boolean, dtype: RefArray['dtype']): RefArray {
  const v = values(x);
  const out = new Float64Array(v.length);
  const { outer, inner } = reductionPlan(x.shape, axes);
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
  softmax: ({ x }, { axes }, out) => softmaxOver(x, axes, false, out.dtype),
  log_softmax: ({ x }, { axes }, out) => softmaxOver(x, axes, true, out.dtype),
};
