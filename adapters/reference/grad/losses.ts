/**
 * Backward rules of the crossentropies and psnr: jax.vjp of Keras's op on JAX (Keras 3.6 on JAX 0.4.34
 * and 3.15 on JAX 0.10 differentiate them alike, to a rounding: JAX 0.10's log10 multiplies by 1/log(10)
 * where 0.4.34 divides by log(10)), JAX's transposes in JAX's order in float32 steps (grad/lax.ts). What
 * JAX's rules decide:
 * - jnp.clip is maximum(lo, x), then minimum(hi, ...): a probability outside [1e-7, 1 - 1e-7] gets no
 *   gradient, one exactly at a bound half of it (lax's _balanced_eq), NaN gets 0 * NaN = NaN;
 * - the target's gradient is -log(p) (and +log(1 - p)) of the clipped p, finite at 0 and 1;
 * - from_logits goes through jax.nn.log_sigmoid and log_softmax, whose slopes are the sigmoid and the
 *   softmax (softplus's custom jvp reads +inf as 0);
 * - sparse_categorical_crossentropy casts its target to int32: a float target's gradient is 0;
 * - psnr's is -10 / (log(10) mse) * 2 (x1 - x2) / N: identical inputs give -inf * 0 = NaN.
 */
import type { Vjps } from '../../../src/ops/table.js';
import { flush, sigmoid, softmaxValues, softplus } from '../activations.js';
import { CLIP_HI, CLIP_LO, classOf, clip } from '../losses.js';
import { fromValues, sizeOf, values, type RefArray } from '../ndarray.js';
import { share, softmaxGrad } from './activations.js';
import { add, arr, div, divisorT, map, mul, requested, store, sumOver, sumTo, zip, type Arr, type Wrt } from './lax.js';

type LossVjps = Pick<
  Vjps<RefArray>,
  'binary_crossentropy' | 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'psnr'
>;

const f32 = Math.fround;

/** jnp.clip(p, eps, 1 - eps)'s slope: maximum's share, then minimum's. */
function clipSlope(p: number): number {
  const low = Math.max(p, CLIP_LO);
  return share(low, CLIP_HI, Math.min(low, CLIP_HI)) * share(p, CLIP_LO, low);
}

/** Gradients of target and output for one element: -(t log(p) + (1 - t) log(1 - p)), p = clip(o). */
function binaryProbabilitiesT(t: number, o: number, g: number): [number, number] {
  const p = clip(o);
  const [logP, logQ, q] = [store(Math.log(p)), store(Math.log(store(1 - p))), store(1 - p)];
  const ct = -g;
  const ctP = store(store(ct * t) / p) - store(store(ct * store(1 - t)) / q);
  return [store(ct * logP) - store(ct * logQ), store(store(ctP) * clipSlope(o))];
}

/** jax.nn.log_sigmoid's slope, softplus's custom jvp at -x: the sigmoid of -x. */
const logSigmoidSlope = (x: number): number => flush(sigmoid(-x));

/** -1.0 * t * log_sigmoid(o) - (1 - t) * log_sigmoid(-o). */
function binaryLogitsT(t: number, o: number, g: number): [number, number] {
  const [viaPositive, viaNegative] = [store(g * -t), store(-g * store(1 - t))];
  const dt = store(-store(g * -softplus(-o))) + store(g * -softplus(o));
  return [dt, store(viaPositive * logSigmoidSlope(o)) - store(viaNegative * logSigmoidSlope(-o))];
}

function binaryCrossentropyT(target: RefArray, output: RefArray, fromLogits: boolean, ct: RefArray, wrt: Wrt) {
  const [t, o, g] = [values(target), values(output), values(ct)].map((v) => v.map(flush));
  const rule = fromLogits ? binaryLogitsT : binaryProbabilitiesT;
  const pairs = Array.from(o, (oi, i) => rule(t[i], oi, g[i]).map(store));
  const of = (k: number): Arr => ({ v: Float64Array.from(pairs, (p) => p[k]), shape: output.shape });
  return requested({ target: of(0), output: of(1) }, { target, output }, wrt);
}

/** The log-probabilities Keras takes of `output` over `axes`, and the transpose back to output. */
interface LogProbabilities {
  logP: Arr;
  back: (ctLogP: Arr) => Arr;
}

/** log(clip(o / sum(o))): the cotangent through log, the clip, and the division, to o and to the sum. */
function probabilities(o: Arr, axes: readonly number[]): LogProbabilities {
  const total = sumOver(o, axes);
  const normalised = zip(o, total, div);
  const p = map(normalised, clip);
  const back = (ctLogP: Arr) => {
    const ctNormalised = zip(zip(ctLogP, p, div), normalised, (c, q) => c * clipSlope(q));
    return zip(zip(ctNormalised, total, div), sumOver(divisorT(ctNormalised, o, total), axes), add);
  };
  return { logP: map(p, Math.log), back };
}

function logits(o: Arr, axes: readonly number[]): LogProbabilities {
  const ref = fromValues(o.v, o.shape, 'float32');
  const back = (ctLogP: Arr) => arr(softmaxGrad(ref, fromValues(ctLogP.v, o.shape, 'float32'), [...axes], true).x);
  return { logP: { v: softmaxValues(o.v, o.shape, [...axes], true).map(store), shape: o.shape }, back };
}

/** -sum(t * logP, axes): -g to every product, for t and for logP, broadcast as numpy does. */
function crossentropyT(t: Arr, output: RefArray, axes: readonly number[], fromLogits: boolean, g: Arr) {
  const o = arr(output);
  const { logP, back } = (fromLogits ? logits : probabilities)(o, axes);
  const ctProduct = map(g, (gi) => -gi);
  return { target: zip(ctProduct, logP, mul), output: back(sumTo(zip(ctProduct, t, mul), o.shape)) };
}

/** jax.nn.one_hot(target, classes, axis) of the int32 labels, after Keras squeezes a trailing 1 off the target. */
function oneHot(target: RefArray, rank: number, classes: number, axis: number): Arr {
  const squeezed = target.shape.length === rank && target.shape[rank - 1] === 1;
  const labels = squeezed ? target.shape.slice(0, -1) : target.shape;
  const inner = sizeOf(labels.slice(axis));
  const v = new Float64Array(sizeOf(labels) * classes);
  values(target).forEach((label, i) => {
    const c = classOf(label);
    if (c >= 0 && c < classes) v[(Math.floor(i / inner) * classes + c) * inner + (i % inner)] = 1;
  });
  return { v, shape: [...labels.slice(0, axis), classes, ...labels.slice(axis)] };
}

/** With `axes` of size 1 inserted again: a reduction's cotangent in kept dims. */
const keptDims = (shape: readonly number[], full: readonly number[], axes: readonly number[]): number[] => {
  let next = 0;
  return full.map((_, d) => (axes.includes(d) ? 1 : shape[next++]));
};

/** psnr = 20 log10(max_val) - 10 log10(mean((x1 - x2)**2)). */
function psnrT(x1: RefArray, x2: RefArray, ct: RefArray, wrt: Wrt) {
  const d = zip(arr(x1), arr(x2), (a, b) => a - b);
  const n = d.v.length;
  const mse = store(store(d.v.reduce((s, v) => s + store(v * v), 0)) / n);
  const ctSquares = store(store(store(store(-values(ct)[0] * 10) / f32(Math.LN10)) / mse) / n);
  const dx1 = map(d, (v) => ctSquares * store(2 * v));
  return requested({ x1: dx1, x2: map(dx1, (v) => -v) }, { x1, x2 }, wrt);
}

export const lossesVjps: LossVjps = {
  binary_crossentropy: ({ target, output }, { fromLogits }, _out, ct, wrt) => binaryCrossentropyT(target, output, fromLogits, ct, wrt),
  categorical_crossentropy: ({ target, output }, { fromLogits, axes }, _out, ct, wrt) => {
    const g = arr(ct, keptDims(ct.shape, output.shape, axes));
    return requested(crossentropyT(arr(target), output, axes, fromLogits, g), { target, output }, wrt);
  },
  sparse_categorical_crossentropy: ({ target, output }, { fromLogits, axis }, out, ct, wrt) => {
    const labels = oneHot(target, output.shape.length, output.shape[axis], axis);
    const full = [...out.shape.slice(0, axis), 1, ...out.shape.slice(axis)];
    const { output: dOutput } = crossentropyT(labels, output, [axis], fromLogits, arr(ct, full));
    // JAX casts the target to int32, which carries no gradient back to a float target.
    const zeros = { v: new Float64Array(sizeOf(target.shape)), shape: target.shape };
    return requested({ target: zeros, output: dOutput }, { target, output }, wrt);
  },
  psnr: ({ x1, x2 }, _attrs, _out, ct, wrt) => psnrT(x1, x2, ct, wrt),
};
