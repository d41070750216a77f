/**
 * TF.js CTC kernels with the algorithms Keras 3.6 runs on JAX (keras/src/backend/jax/nn.py). TF.js has
 * no CTC op at all. The loss is optax's forward algorithm as a loop over time steps of tensor ops on
 * the device, in float32 like JAX, with every step written as JAX computes it (the -1e5 log-epsilon,
 * penalties added as eps * repeat, padded frames blended as pad * prev + (1 - pad) * next), so NaN,
 * infeasible alignments and lengths past the size come out as Keras-JAX gives them. Greedy decoding
 * runs on the device too. Beam search reads the logits to the host (adapters/tfjs/host-reads.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConcreteSpec } from '../../src/dtypes.js';
import type { CtcDecodeAttrs } from '../../src/ops/ctc.js';
import type { Kernels } from '../../src/ops/table.js';
import { beamSearchDecode } from '../host/ctc.js';
import { readOnHost } from './host-reads.js';
import { cast, where } from './gpu-layout.js';
import { exp, log, max } from './gpu-math.js';

/** Keras-JAX's stand-in for log(0): impossible alignments cost about 1e5 instead of infinity. */
export const LOG_EPSILON = -1e5;

const toFloat = (x: tf.Tensor): tf.Tensor => (x.dtype === 'float32' ? x : cast(x, 'float32'));
const toInt = (x: tf.Tensor): tf.Tensor => (x.dtype === 'int32' ? x : cast(x, 'int32'));

/** jax.nn.log_softmax over the class axis, max-shifted; a NaN anywhere in a row makes the row NaN. */
export function logSoftmax(x: tf.Tensor): tf.Tensor {
  const shifted = tf.sub(x, max(x, -1, true));
  return tf.sub(shifted, log(tf.sum(exp(shifted), -1, true)));
}

/** jnp.logaddexp: max + log1p(exp(-|a - b|)), and a + b where a - b is NaN (NaN, or infinities of one sign). */
function logaddexp(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const delta = tf.sub(a, b);
  const stable = tf.add(tf.maximum(a, b), tf.log1p(exp(tf.neg(tf.abs(delta)))));
  return where(tf.isNaN(delta), tf.add(a, b), stable);
}

/**
 * params.flat[indices]: a batched gather by flat indices. tf.gather's batchDims is wrong on TF.js 4.22's
 * wasm backend past the first batch (its indices are not offset per batch), so it is not used.
 */
function gatherFlat(params: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  return tf.gather(tf.reshape(params, [-1]), indices);
}

/** update_phi_score: phi[:, n + 1] = logaddexp(phi[:, n + 1], added[:, n]); phi[:, 0] unchanged. */
export function updatePhi(phi: tf.Tensor, added: tf.Tensor): tf.Tensor {
  const [batch = 0, width = 0] = phi.shape;
  if (width === 1) return phi;
  const head = tf.slice(phi, [0, 0], [batch, 1]);
  return tf.concat([head, logaddexp(tf.slice(phi, [0, 1], [batch, width - 1]), added)], 1);
}

/** `index < lengths[b]` for index in [0, size): (B, size) bool. */
function lengthMask(lengths: tf.Tensor, size: number): tf.Tensor {
  return tf.less(tf.reshape(tf.range(0, size, 1, 'int32'), [1, size]), tf.reshape(toInt(lengths), [-1, 1]));
}

/**
 * lp[b, t, labels[b, n]] as JAX's einsum with one_hot(labels) computes it: 0 for a label outside [0, C),
 * and NaN where another entry of the row is infinite or NaN (inf * 0 in the full dot product).
 */
function emitLogProbs(lp: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  const [batch = 0, steps = 0, classes = 0] = lp.shape;
  const inRange = tf.logicalAnd(tf.greaterEqual(labels, 0), tf.less(labels, classes));
  const safe = where(inRange, labels, tf.scalar(0, 'int32'));
  // Flat indices (b * T + t) * C + label[b, n], shaped (B, T, N).
  const rows = tf.reshape(tf.mul(tf.range(0, batch * steps, 1, 'int32'), tf.scalar(classes, 'int32')), [batch, steps, 1]);
  const flat = tf.add(rows, tf.expandDims(safe, 1));
  const inRange3 = tf.expandDims(inRange, 1);
  const picked = where(inRange3, gatherFlat(lp, flat), tf.scalar(0));
  const nonFinite = cast(tf.logicalNot(tf.isFinite(lp)), 'int32');
  const atLabel = tf.mul(gatherFlat(nonFinite, flat), cast(inRange3, 'int32'));
  const elsewhere = tf.greater(tf.sub(tf.sum(nonFinite, 2, true), atLabel), 0);
  return where(elsewhere, tf.scalar(NaN), picked);
}

/** What optax's recursion reads: per frame the label log-probs, the blank's and the padding flag. */
export interface CtcInputs {
  /** jax.nn.log_softmax of the logits, (B, T, C). */
  lp: tf.Tensor;
  lpEmit: tf.Tensor[];
  lpPhi: tf.Tensor[];
  pads: tf.Tensor[];
  /** LOG_EPSILON * repeat and LOG_EPSILON * (1 - repeat), (B, N). */
  epsRepeat: tf.Tensor;
  epsNotRepeat: tf.Tensor;
  /** The one-hot of each label length over the N + 1 phi slots, (B, N + 1). */
  pick: tf.Tensor;
}

export function ctcInputs(target: tf.Tensor, output: tf.Tensor, targetLength: tf.Tensor, outputLength: tf.Tensor,
  blank: number): CtcInputs {
  const [batch = 0, steps = 0] = output.shape;
  const [, maxLabels = 0] = target.shape;
  const labels = toInt(target);
  const lp = logSoftmax(toFloat(output));
  // repeat[b, n] = 1 when label n equals label n + 1; the padding after the labels counts too, as in JAX.
  const repeat = maxLabels < 2 ? tf.zeros([batch, maxLabels]) : tf.pad(cast(tf.equal(
    tf.slice(labels, [0, 0], [batch, maxLabels - 1]), tf.slice(labels, [0, 1], [batch, maxLabels - 1])), 'float32'),
  [[0, 0], [0, 1]]);
  // JAX counts the unpadded label slots: the length clamped to [0, N]. (Not as a sum: TF.js 4.22's wasm
  // sum over an empty int32 axis returns uninitialised memory.) clipByValue ignores its max on int32 there.
  const labelLength = tf.minimum(tf.maximum(toInt(targetLength), tf.scalar(0, 'int32')), tf.scalar(maxLabels, 'int32'));
  const slots = tf.reshape(tf.range(0, maxLabels + 1, 1, 'int32'), [1, -1]);
  return {
    lp,
    lpEmit: tf.unstack(emitLogProbs(lp, labels), 1),
    lpPhi: tf.unstack(tf.slice(lp, [0, 0, blank], [batch, steps, 1]), 1),
    pads: tf.unstack(tf.expandDims(cast(tf.logicalNot(lengthMask(outputLength, steps)), 'float32'), 2), 1),
    epsRepeat: tf.mul(LOG_EPSILON, repeat),
    epsNotRepeat: tf.mul(LOG_EPSILON, tf.sub(1, repeat)),
    pick: cast(tf.equal(slots, tf.reshape(labelLength, [-1, 1])), 'float32'),
  };
}

/** A recursion state: phi[:, n] is "n labels emitted, then blank", emit[:, n] "label n just emitted". */
export interface CtcState {
  phi: tf.Tensor;
  emit: tf.Tensor;
}

export function initialState(batch: number, maxLabels: number): CtcState {
  return { phi: tf.concat([tf.zeros([batch, 1]), tf.fill([batch, maxLabels], LOG_EPSILON)], 1), emit: tf.fill([batch, maxLabels], LOG_EPSILON) };
}

/** One step of the scan's loop_body, with the values its transpose reads. */
export interface CtcStep {
  prevPhi: tf.Tensor;
  nextEmit: tf.Tensor;
  selfLoop: tf.Tensor;
  nextPhi: tf.Tensor;
  next: CtcState;
}

/** Every step written as JAX computes it (penalties added as eps * repeat, pads blended as pad * prev + (1 - pad) * next). */
export function ctcStep({ phi, emit }: CtcState, x: CtcInputs, t: number): CtcStep {
  const [batch = 0, maxLabels = 0] = emit.shape;
  const prevPhi = updatePhi(phi, tf.add(emit, x.epsRepeat));
  const fromPhi = tf.add(tf.slice(prevPhi, [0, 0], [batch, maxLabels]), x.lpEmit[t]);
  const nextEmit = logaddexp(fromPhi, tf.add(emit, x.lpEmit[t]));
  const selfLoop = tf.add(prevPhi, x.lpPhi[t]);
  const nextPhi = updatePhi(selfLoop, tf.add(tf.add(emit, x.lpPhi[t]), x.epsNotRepeat));
  const [pad, keep] = [x.pads[t], tf.sub(1, x.pads[t])];
  const next = { phi: tf.add(tf.mul(pad, phi), tf.mul(keep, nextPhi)), emit: tf.add(tf.mul(pad, emit), tf.mul(keep, nextEmit)) };
  return { prevPhi, nextEmit, selfLoop, nextPhi, next };
}

/** The state before each step, and after the last: T + 1 states, each step's other tensors released. */
export function ctcStates(x: CtcInputs, batch: number, maxLabels: number): CtcState[] {
  const states = [initialState(batch, maxLabels)];
  for (let t = 0; t < x.lpPhi.length; t++) {
    const [phi, emit] = tf.tidy(() => {
      const { next } = ctcStep(states[t], x, t);
      return [next.phi, next.emit];
    });
    states.push({ phi, emit });
  }
  return states;
}

/** optax's ctc_loss_with_forward_probs, as Keras-JAX calls it. */
function ctcLoss(target: tf.Tensor, output: tf.Tensor, targetLength: tf.Tensor, outputLength: tf.Tensor,
  blank: number): tf.Tensor {
  const [batch = 0] = output.shape;
  const [, maxLabels = 0] = target.shape;
  if (batch === 0) return tf.zeros([0]);
  const x = ctcInputs(target, output, targetLength, outputLength, blank);
  const state = ctcStates(x, batch, maxLabels).at(-1)!;
  // The last epsilon transition, then phi at the label length (a dot with its one-hot: NaN stays NaN).
  const last = updatePhi(state.phi, state.emit);
  return tf.neg(tf.sum(tf.mul(last, x.pick), 1));
}

/**
 * Keras's greedy decoder: argmax per frame (the first maximum, or the first NaN), frames past the length
 * blank, repeats merged on that sequence before blanks drop ("a blank a" stays "a a"), then the labels
 * left-packed and -1 padded; scores are -sum of the raw maxima over the valid frames.
 */
function greedyDecode(inputs: tf.Tensor, lengths: tf.Tensor, mergeRepeated: boolean, blank: number): tf.Tensor[] {
  const [batch = 0, steps = 0] = inputs.shape;
  const x = toFloat(inputs);
  // Empty batches and sequences: nothing to decode, and -sum over no frames (-0, as JAX gives).
  if (batch === 0 || steps === 0) return [tf.zeros([1, batch, steps], 'int32'), tf.neg(tf.zeros([batch, 1]))];
  const nan = tf.isNaN(x);
  const hasNaN = tf.any(nan, 2);
  // TF.js's max and argMax skip NaN on some backends; JAX's propagate it and point at the first one.
  const argmax = where(hasNaN, tf.argMax(cast(nan, 'float32'), 2), tf.argMax(x, 2));
  const maxima = where(hasNaN, tf.scalar(NaN), max(x, 2));
  const valid = lengthMask(lengths, steps);
  const blankT = tf.scalar(blank, 'int32');
  let idx = where(valid, argmax, blankT);
  const scores = tf.neg(tf.sum(where(valid, maxima, tf.scalar(0)), 1, true));
  if (mergeRepeated && steps > 1) {
    const same = tf.equal(tf.slice(idx, [0, 1], [batch, steps - 1]), tf.slice(idx, [0, 0], [batch, steps - 1]));
    idx = where(tf.concat([tf.zeros([batch, 1], 'bool'), same], 1), blankT, idx);
  }
  const dropped = tf.equal(idx, blank);
  // Left-packing as Keras's stable argsort does it: kept frames first, each group in time order.
  const t = tf.reshape(tf.range(0, steps, 1, 'float32'), [1, steps]);
  const key = where(dropped, tf.sub(steps, t), tf.sub(2 * steps, t));
  const order = tf.topk(key, steps).indices;
  const rows = tf.reshape(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(steps, 'int32')), [batch, 1]);
  const packed = gatherFlat(where(dropped, tf.scalar(-1, 'int32'), idx), tf.add(rows, order));
  return [tf.expandDims(toInt(packed), 0), scores];
}

/**
 * Keras-JAX's pruned beam search, on the host in float64 (adapters/host/ctc.ts: its jnp.unique over
 * label paths has no TF.js counterpart; adapters/tfjs/host-reads.ts says why).
 */
function beamSearchOnHost(
  inputs: tf.Tensor,
  lengths: tf.Tensor,
  attrs: Extract<CtcDecodeAttrs, { strategy: 'beam_search' }>,
  [decoded, scores]: ConcreteSpec[],
): tf.Tensor[] {
  const read = (h: tf.Tensor) => readOnHost(h, "ctc_decode with strategy='beam_search'", "Use strategy='greedy', or another backend.");
  const found = beamSearchDecode(read(inputs), inputs.shape, read(lengths), attrs);
  return [tf.tensor(Int32Array.from(found.paths), decoded.shape, 'int32'), tf.tensor(Float32Array.from(found.scores), scores.shape, scores.dtype)];
}

export const ctcKernels: Pick<Kernels<tf.Tensor>, 'ctc_loss' | 'ctc_decode'> = {
  ctc_loss: ({ target, output, target_length, output_length }, { maskIndex }) =>
    ctcLoss(target, output, target_length, output_length, maskIndex),
  ctc_decode: ({ inputs, sequence_lengths }, attrs, out) => attrs.strategy === 'greedy'
    ? greedyDecode(inputs, sequence_lengths, attrs.mergeRepeated, attrs.maskIndex)
    : beamSearchOnHost(inputs, sequence_lengths, attrs, out),
};
