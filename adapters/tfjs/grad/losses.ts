/**
 * Backward rules of the crossentropies and psnr: jax.vjp of Keras's op on JAX, JAX's transposes written
 * with TF.js ops in the order JAX runs them, over the forward's own steps (losses.ts).
 * adapters/reference/grad/losses.ts says what JAX's rules decide (the clip's halves at its bounds, the
 * target's -log(p), log_sigmoid's and log_softmax's slopes, no gradient through an int32 cast).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Vjps } from '../../../src/ops/table.js';
import { softplus } from '../activations.js';
import { div, log } from '../gpu-math.js';
import { asFloat, clipProbability, EPSILON, logProbabilities, logSigmoid, oneHotLabels } from '../losses.js';
import { logaddexpT, logSoftmaxT } from './activations.js';
import { divisorT, requested, sumKept, sumTo, tieShare } from './lax.js';

type LossVjps = Required<
  Pick<Vjps<tf.Tensor>, 'binary_crossentropy' | 'categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'psnr'>
>;

/** jnp.clip(p, eps, 1 - eps)'s slope, maximum's tie share, then minimum's: 1/2 at a bound, 0 outside or at NaN. */
function clipSlope(p: tf.Tensor): tf.Tensor {
  const low = tf.maximum(p, EPSILON);
  return tf.mul(tieShare(low, clipProbability(p), 1 - EPSILON), tieShare(p, low, EPSILON));
}

/** -(t log(p) + (1 - t) log(1 - p)), p = clip(o). */
function binaryProbabilitiesT(t: tf.Tensor, o: tf.Tensor, g: tf.Tensor) {
  const p = clipProbability(o);
  const q = tf.sub(1, p);
  const ct = tf.neg(g);
  const ctP = tf.sub(div(tf.mul(ct, t), p), div(tf.mul(ct, tf.sub(1, t)), q));
  return { target: tf.sub(tf.mul(ct, log(p)), tf.mul(ct, log(q))), output: tf.mul(ctP, clipSlope(o)) };
}

/** -1.0 * t * log_sigmoid(o) - (1 - t) * log_sigmoid(-o); log_sigmoid(y) = -softplus(-y), with softplus's custom jvp. */
function binaryLogitsT(t: tf.Tensor, o: tf.Tensor, g: tf.Tensor) {
  const viaPositive = tf.mul(g, tf.neg(t));
  const viaNegative = tf.mul(tf.neg(g), tf.sub(1, t));
  const slope = (ct: tf.Tensor, y: tf.Tensor) => logaddexpT(ct, tf.neg(y), softplus(tf.neg(y)));
  return {
    target: tf.add(tf.neg(tf.mul(g, logSigmoid(o))), tf.mul(g, logSigmoid(tf.neg(o)))),
    output: tf.sub(slope(viaPositive, o), slope(viaNegative, tf.neg(o))),
  };
}

/** log(clip(o / sum(o))) transposed: through log, the clip and the division, to o and to the sum. */
function probabilitiesT(o: tf.Tensor, axes: number[], ctLogP: tf.Tensor): tf.Tensor {
  const total = sumKept(o, axes);
  const normalised = div(o, total);
  const ctNormalised = tf.mul(div(ctLogP, clipProbability(normalised)), clipSlope(normalised));
  return tf.add(div(ctNormalised, total), sumKept(divisorT(ctNormalised, o, total), axes));
}

/** -sum(t * logP, axes), g in kept dims: -g to every product, for t and for logP, broadcast as numpy does. */
function crossentropyT(t: tf.Tensor, output: tf.Tensor, axes: number[], fromLogits: boolean, g: tf.Tensor) {
  const o = asFloat(output);
  const ctProduct = tf.neg(g);
  const ctLogP = sumTo(tf.mul(ctProduct, t), o.shape);
  return {
    target: tf.mul(ctProduct, logProbabilities(o, axes, fromLogits)),
    output: fromLogits ? logSoftmaxT(o, ctLogP, axes) : probabilitiesT(o, axes, ctLogP),
  };
}

/** psnr = 20 log10(max_val) - 10 log10(mean((x1 - x2)**2)): -10 / (log(10) mse) * 2 (x1 - x2) / N. */
function psnrT(x1: tf.Tensor, x2: tf.Tensor, g: tf.Tensor) {
  const d = tf.sub(asFloat(x1), asFloat(x2));
  if (d.size === 0) return { x1: tf.zeros(x1.shape), x2: tf.zeros(x2.shape) };
  const mse = tf.mean(tf.square(d));
  const ctSquares = div(div(div(tf.mul(tf.neg(g), 10), Math.LN10), mse), d.size);
  const dx1 = tf.mul(ctSquares, tf.mul(2, d));
  return { x1: dx1, x2: tf.neg(dx1) };
}

/** With `axes` of size 1 inserted again: a reduction's cotangent in kept dims. */
function keptDims(g: tf.Tensor, full: readonly number[], axes: readonly number[]): tf.Tensor {
  let next = 0;
  return tf.reshape(g, full.map((_, d) => (axes.includes(d) ? 1 : g.shape[next++])));
}

export const lossesVjps: LossVjps = {
  binary_crossentropy: ({ target, output }, { fromLogits }, _out, g, wrt) =>
    requested((fromLogits ? binaryLogitsT : binaryProbabilitiesT)(asFloat(target), asFloat(output), g), wrt),
  categorical_crossentropy: ({ target, output }, { fromLogits, axes }, _out, g, wrt) =>
    requested(crossentropyT(asFloat(target), output, axes, fromLogits, keptDims(g, output.shape, axes)), wrt),
  sparse_categorical_crossentropy: ({ target, output }, { fromLogits, axis }, out, g, wrt) => {
    const full = [...out.shape.slice(0, axis), 1, ...out.shape.slice(axis)];
    const { output: dOutput } = crossentropyT(oneHotLabels(target, output, axis), output, [axis], fromLogits, tf.reshape(g, full));
    // JAX casts the target to int32, which carries no gradient back to a float target.
    return requested({ target: tf.zeros(target.shape), output: dOutput }, wrt);
  },
  psnr: ({ x1, x2 }, _attrs, _out, g, wrt) => requested(psnrT(x1, x2, g), wrt),
};
