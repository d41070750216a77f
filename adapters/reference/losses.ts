/** Reference losses, in float64, with the formulas Keras 3.6 computes on JAX. */
import type { Kernels } from '../../src/ops/table.js';
import { fromValues, reductionPlan, stridesOf, values, type RefArray } from './ndarray.js';

type LossKernels = Pick<
  Kernels<RefArray>,
  'binary_crossentropy' | 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'psnr'
>;

// backend.epsilon() = 1e-7; JAX clips float32 tensors, so the bounds are float32 values.
export const CLIP_LO = Math.fround(1e-7);
export const CLIP_HI = Math.fround(1 - 1e-7);

/** jnp.clip to [eps, 1 - eps]: maximum, then minimum (NaN stays). */
export const clip = (p: number): number => Math.min(Math.max(p, CLIP_LO), CLIP_HI);

/**
 * The class of a label as JAX's cast to int32 makes it (truncating; NaN and out-of-range give no class):
 * one_hot's row is all zero outside [0, classes).
 */
export const classOf = (label: number): number => (Number.isFinite(label) ? Math.trunc(label) : -1);

/** -softplus(-x), without overflow. */
const logSigmoid = (x: number): number => -(Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x))));

export function binaryCrossentropy(target: RefArray, output: RefArray, fromLogits: boolean): Float64Array {
  const t = values(target);
  const o = values(output);
  const loss = new Float64Array(o.length);
  for (let i = 0; i < o.length; i++) {
    if (fromLogits) {
      loss[i] = -t[i] * logSigmoid(o[i]) - (1 - t[i]) * logSigmoid(-o[i]);
    } else {
      const p = clip(o[i]);
      loss[i] = -(t[i] * Math.log(p) + (1 - t[i]) * Math.log(1 - p));
    }
  }
  return loss;
}

/**
 * Log-probabilities of `output` over `axes`, in place: log_softmax for logits; otherwise renormalised
 * to sum 1, then clipped to [eps, 1 - eps], then logged (that order, as JAX).
 */
function logProbabilities(o: Float64Array, shape: number[], axes: number[], fromLogits: boolean): Float64Array {
  const { outer, inner } = reductionPlan(shape, axes);
  for (const base of outer) {
    if (fromLogits) {
      let max = -Infinity;
      for (const off of inner) max = Math.max(max, o[base + off]);
      let sum = 0;
      for (const off of inner) sum += Math.exp(o[base + off] - max);
      const logSum = Math.log(sum);
      for (const off of inner) o[base + off] = o[base + off] - max - logSum;
    } else {
      let sum = 0;
      for (const off of inner) sum += o[base + off];
      for (const off of inner) o[base + off] = Math.log(clip(o[base + off] / sum));
    }
  }
  return o;
}

export function categoricalCrossentropy(target: RefArray, output: RefArray, fromLogits: boolean, axes: number[]) {
  const t = values(target);
  const logP = logProbabilities(values(output), output.shape, axes, fromLogits);
  const { outer, inner } = reductionPlan(output.shape, axes);
  const loss = new Float64Array(outer.length);
  outer.forEach((base, i) => {
    // The product is taken everywhere, as JAX does: 0 * -inf gives NaN there too.
    let sum = 0;
    for (const off of inner) sum += t[base + off] * logP[base + off];
    loss[i] = -sum;
  });
  return loss;
}

/**
 * -sum_c one_hot(label)[c] * logP[c] at every position of the result. `full` is the broadcast shape of
 * one_hot(target) and output (usually output's own); size-1 dims of either read index 0.
 */
export function sparseCrossentropy(target: RefArray, output: RefArray, fromLogits: boolean, axis: number, outShape: number[]) {
  const labels = values(target);
  const logP = logProbabilities(values(output), output.shape, [axis], fromLogits);
  const classes = output.shape[axis];
  const full = [...outShape.slice(0, axis), classes, ...outShape.slice(axis)];
  const labelShape = output.shape.slice(0, -1);
  const labelStrides = stridesOf(labelShape);
  // Steps of each operand per dim of `full`; a broadcast (size-1) dim does not move.
  const labelStep = full.map((_, d) => {
    if (d === axis) return 0;
    const j = d < axis ? d : d - 1;
    return labelShape[j] === 1 ? 0 : labelStrides[j];
  });
  const outputStrides = stridesOf(output.shape);
  const outputStep = full.map((_, d) => (output.shape[d] === 1 ? 0 : outputStrides[d]));
  const kept = full.map((_, d) => d).filter((d) => d !== axis);
  const loss = new Float64Array(outShape.reduce((a, b) => a * b, 1));
  const index = new Array<number>(kept.length).fill(0);
  for (let i = 0; i < loss.length; i++) {
    let l = 0;
    let o = 0;
    kept.forEach((d, j) => {
      l += index[j] * labelStep[d];
      o += index[j] * outputStep[d];
    });
    const c = classOf(labels[l]);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += (k === c ? 1 : 0) * logP[o + k * outputStep[axis]];
    loss[i] = -sum;
    for (let j = kept.length - 1; j >= 0 && ++index[j] === full[kept[j]]; j--) index[j] = 0;
  }
  return loss;
}

export function psnr(x1: RefArray, x2: RefArray, maxVal: number, integer: boolean): number {
  const a = values(x1);
  const b = values(x2);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    // int32 arithmetic wraps in JAX, squares included.
    const d = integer ? (a[i] - b[i]) | 0 : a[i] - b[i];
    sum += integer ? Math.imul(d, d) : d * d;
  }
  const mse = sum / a.length;
  return 20 * Math.log10(maxVal) - 10 * Math.log10(mse);
}

export const lossesKernels: LossKernels = {
  binary_crossentropy: ({ target, output }, { fromLogits }, out) =>
    fromValues(binaryCrossentropy(target, output, fromLogits), out.shape, out.dtype),
  categorical_crossentropy: ({ target, output }, { fromLogits, axes }, out) =>
    fromValues(categoricalCrossentropy(target, output, fromLogits, axes), out.shape, out.dtype),
  sparse_categorical_crossentropy: ({ target, output }, { fromLogits, axis }, out) =>
    fromValues(sparseCrossentropy(target, output, fromLogits, axis, out.shape), out.shape, out.dtype),
  psnr: ({ x1, x2 }, { maxVal, integer }, out) => fromValues([psnr(x1, x2, maxVal, integer)], out.shape, out.dtype),
};
