/** Reference statistics and normalisation, in float64, with the formulas Keras computes on JAX. */
import type { DType } from '../../src/dtypes.js';
import type { Kernels } from '../../src/ops/table.js';
import type { LayerNormalizationAttrs, NormalizeAttrs } from '../../src/ops/normalization.js';
import { broadcastTo, fromValues, reductionPlan, sizeOf, stridesOf, values, type RefArray } from './ndarray.js';

type NormalizationKernels = Pick<
  Kernels<RefArray>,
  'moments' | 'batch_normalization' | 'normalize' | 'rms_normalization' | 'layer_normalization'
>;

/** Two-pass mean and population variance (jnp.mean, jnp.var), one pair per kept position. */
export function moments(x: RefArray, axes: number[]): [Float64Array, Float64Array] {
  const v = values(x);
  const { outer, inner } = reductionPlan(x.shape, axes);
  const mean = new Float64Array(outer.length);
  const variance = new Float64Array(outer.length);
  outer.forEach((base, i) => {
    let sum = 0;
    for (const off of inner) sum += v[base + off];
    const m = sum / inner.length;
    let squares = 0;
    for (const off of inner) squares += (v[base + off] - m) ** 2;
    mean[i] = m;
    variance[i] = squares / inner.length;
  });
  return [mean, variance];
}

/**
 * x * inv + (offset - mean * inv), inv = rsqrt(variance + eps) * scale, along `axis`. A length-1 vector
 * or a size-1 x axis broadcasts, as in JAX (the resolver allows no other mismatch).
 */
export function batchNormalization(
  inputs: { x: RefArray; mean: RefArray; variance: RefArray; offset: RefArray | null; scale: RefArray | null },
  axis: number,
  epsilon: number,
  outShape: number[],
): Float64Array {
  const x = values(inputs.x);
  const [mean, variance] = [values(inputs.mean), values(inputs.variance)];
  const offset = inputs.offset && values(inputs.offset);
  const scale = inputs.scale && values(inputs.scale);
  const at = (vec: Float64Array, c: number) => vec[vec.length === 1 ? 0 : c];
  const channels = outShape[axis];
  const inner = sizeOf(outShape.slice(axis + 1));
  const outer = sizeOf(outShape.slice(0, axis));
  const xChannels = inputs.x.shape[axis];
  const out = new Float64Array(outer * channels * inner);
  for (let c = 0; c < channels; c++) {
    const inv = (1 / Math.sqrt(at(variance, c) + epsilon)) * (scale ? at(scale, c) : 1);
    const shift = -at(mean, c) * inv + (offset ? at(offset, c) : 0);
    const xc = xChannels === 1 ? 0 : c;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        out[(o * channels + c) * inner + i] = x[(o * xChannels + xc) * inner + i] * inv + shift;
      }
    }
  }
  return out;
}

/**
 * Keras computes in float32: |x|^p and its sum overflow to inf there (and the result becomes 0) where
 * float64 would not, e.g. order 100 or x = 1e20. Rounding each term and the total (summed in float64)
 * to float32 reproduces that without float32's accumulation error.
 */
const f32 = Math.fround;

function normalize(x: RefArray, shape: number[], { norm, axes, order, epsilon }: NormalizeAttrs): Float64Array {
  const v = values(x);
  const out = new Float64Array(v.length);
  const strides = stridesOf(shape);
  const { outer, inner } = reductionPlan(shape, axes);
  for (const base of outer) {
    if (norm === 'l2') {
      let sum = 0;
      for (const off of inner) sum += f32(v[base + off] ** 2);
      const inv = Math.min(1 / Math.sqrt(f32(sum)), f32(1 / epsilon));
      for (const off of inner) out[base + off] = v[base + off] * inv;
    } else {
      const n = norm === 'vector' ? vectorNorm(v, base, inner, order) : matrixOneNorm(v, base, shape, strides, axes);
      const denom = Math.max(n, epsilon);
      for (const off of inner) out[base + off] = v[base + off] / denom;
    }
  }
  return out;
}

function vectorNorm(v: Float64Array, base: number, inner: number[], order: number): number {
  let sum = 0;
  for (const off of inner) sum += f32(Math.abs(v[base + off]) ** order);
  return order === 1 ? sum : f32(sum) ** (1 / order);
}

/** jnp.linalg.norm(ord=1, axis=(row, col)): the largest sum of |x| over `row`, across `col`. */
function matrixOneNorm(v: Float64Array, base: number, shape: number[], strides: number[], [row, col]: number[]): number {
  let max = -Infinity;
  for (let j = 0; j < shape[col]; j++) {
    let sum = 0;
    for (let i = 0; i < shape[row]; i++) sum += Math.abs(v[base + i * strides[row] + j * strides[col]]);
    max = Math.max(max, sum);
  }
  return max;
}

/** `out` multiplied by `factor` broadcast to it. */
function scaled(out: Float64Array, outShape: number[], factor: RefArray | null): Float64Array {
  if (!factor) return out;
  const f = broadcastTo(values(factor), factor.shape, outShape);
  return out.map((v, i) => v * f[i]);
}

/**
 * x * rsqrt(mean(x^2) + epsilon), then * scale, each row over `axes`. Squares and their sum are rounded
 * to float32 (as in normalize) so that they overflow to inf, and underflow to 0, where Keras's do.
 */
function rmsNormalization(x: RefArray, shape: number[], scale: RefArray | null, axes: number[], epsilon: number, outShape: number[]) {
  const v = values(x);
  const normalized = new Float64Array(v.length);
  const { outer, inner } = reductionPlan(shape, axes);
  for (const base of outer) {
    let sum = 0;
    for (const off of inner) sum += f32(v[base + off] ** 2);
    const rrms = 1 / Math.sqrt(f32(sum) / inner.length + f32(epsilon));
    for (const off of inner) normalized[base + off] = v[base + off] * rrms;
  }
  return scaled(broadcastTo(normalized, shape, outShape), outShape, scale);
}

/**
 * Per row over `axes`: jnp.mean and the two-pass jnp.var (sums rounded to float32 so that they overflow
 * where Keras's do), then inv = rsqrt(variance + epsilon) * gamma and x * inv + (beta - mean * inv),
 * in Keras's order, with gamma and beta in the shapes Keras gives them.
 */
function layerNormalization(
  { x, gamma, beta }: { x: RefArray; gamma: RefArray | null; beta: RefArray | null },
  { axes, epsilon, gammaShape, betaShape }: LayerNormalizationAttrs,
  outShape: number[],
): Float64Array {
  const v = values(x);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const [mean, inv] = [new Float64Array(sizeOf(kept)), new Float64Array(sizeOf(kept))];
  const { outer, inner } = reductionPlan(x.shape, axes);
  outer.forEach((base, k) => {
    let sum = 0;
    for (const off of inner) sum += v[base + off];
    const m = f32(sum) / inner.length;
    let squares = 0;
    for (const off of inner) squares += f32((v[base + off] - m) ** 2);
    mean[k] = m;
    inv[k] = 1 / Math.sqrt(f32(squares) / inner.length + f32(epsilon));
  });
  const at = (vals: Float64Array, shape: readonly number[]) => broadcastTo(vals, shape, outShape);
  const [xs, means] = [at(v, x.shape), at(mean, kept)];
  const invs = scaled(at(inv, kept), outShape, gamma && { ...gamma, shape: gammaShape as number[] });
  const betas = beta && at(values(beta), betaShape as number[]);
  return xs.map((xv, i) => {
    const res = -means[i] * invs[i];
    return xv * invs[i] + (betas ? res + betas[i] : res);
  });
}

/** Keras casts the float32 result back to x's dtype; for int32 as XLA converts: NaN gives 0, the rest truncate and saturate. */
function castBack(vals: Float64Array, dtype: DType): Float64Array {
  if (dtype !== 'int32') return vals;
  return vals.map((v) => (Number.isNaN(v) ? 0 : Math.min(Math.max(v, -2147483648), 2147483647)));
}

export const normalizationKernels: NormalizationKernels = {
  moments: ({ x }, { axes }, [meanSpec, varianceSpec]) => {
    const [mean, variance] = moments(x, axes);
    return [fromValues(mean, meanSpec.shape, meanSpec.dtype), fromValues(variance, varianceSpec.shape, varianceSpec.dtype)];
  },
  batch_normalization: (inputs, { axis, epsilon }, out) =>
    fromValues(batchNormalization(inputs, axis, epsilon, out.shape), out.shape, out.dtype),
  // A 0-D x arrives as one value; the output spec has its (1,) shape.
  normalize: ({ x }, attrs, out) => fromValues(normalize(x, out.shape, attrs), out.shape, out.dtype),
  // A 0-D x counts as (1,), as the output spec says.
  rms_normalization: ({ x, scale }, { axes, epsilon }, out) => {
    const shape = x.shape.length === 0 ? [1] : x.shape;
    return fromValues(castBack(rmsNormalization(x, shape, scale, axes, epsilon, out.shape), out.dtype), out.shape, out.dtype);
  },
  layer_normalization: (inputs, attrs, out) =>
    fromValues(castBack(layerNormalization(inputs, attrs, out.shape), out.dtype), out.shape, out.dtype),
};
