/**
 * Backward rule of ctc_loss: jax.vjp of Keras's op on JAX, the transpose of the forward's recursion
 * (ctc.ts, optax's as Keras writes it) run backwards over the frames in tf ops, in float32 as JAX runs it.
 * adapters/reference/grad/ctc.ts says what JAX's rules decide (logaddexp's posterior weights, which weigh
 * the LOG_EPSILON-penalised paths of an impossible alignment too; the padded frames' blend; the one-hot
 * einsum's dot product over the labels; the blank's slice; log_softmax's transpose).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Vjps } from '../../../src/ops/table.js';
import { ctcInputs, ctcStep, initialState, updatePhi, type CtcInputs, type CtcState, type CtcStep } from '../ctc.js';
import { cast } from '../gpu-layout.js';
import { logaddexpT, logSoftmaxT } from './activations.js';
import { sumKept } from './lax.js';

type CtcVjps = Required<Pick<Vjps<tf.Tensor>, 'ctc_loss'>>;

/**
 * logaddexp(a, b) = out transposed, for out's cotangent g: [of a, of b], both sides' weights in one pass
 * over a and b stacked: each frame of the scan transposes three such pairs of (B, N) tensors, where the
 * count of kernels, not their size, costs.
 */
function logaddexpBothT(g: tf.Tensor, a: tf.Tensor, b: tf.Tensor, out: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [ctA, ctB] = tf.unstack(logaddexpT(g, tf.stack([a, b]), out));
  return [ctA, ctB];
}

/** update_phi_score(phi, added) = out transposed, for out's cotangent: [of phi, of added]. */
function updatePhiT(phi: tf.Tensor, added: tf.Tensor, out: tf.Tensor, ct: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [batch = 0, width = 0] = phi.shape;
  if (width === 1) return [ct, tf.zeros([batch, 0])];
  const [tail, ctTail] = [tf.slice(out, [0, 1], [batch, width - 1]), tf.slice(ct, [0, 1], [batch, width - 1])];
  const [ctPhiTail, ctAdded] = logaddexpBothT(ctTail, tf.slice(phi, [0, 1], [batch, width - 1]), added, tail);
  return [tf.concat([tf.slice(ct, [0, 0], [batch, 1]), ctPhiTail], 1), ctAdded];
}

interface StepCotangents {
  state: CtcState;
  lpEmit: tf.Tensor;
  lpPhi: tf.Tensor;
}

/** loop_body's transpose at frame t, from the cotangents of the state it made and the step's own values. */
function stepT(state: CtcState, step: CtcStep, x: CtcInputs, t: number, ct: CtcState): StepCotangents {
  const { phi, emit } = state;
  const [batch = 0, maxLabels = 0] = emit.shape;
  const { prevPhi, nextEmit, selfLoop, nextPhi } = step;
  const [pad, keep] = [x.pads[t], tf.sub(1, x.pads[t])];
  // next_phi = update_phi_score(prev_phi + lp_phi, emit + lp_phi + eps * (1 - repeat))
  const blankJump = tf.add(tf.add(emit, x.lpPhi[t]), x.epsNotRepeat);
  const [ctSelfLoop, ctBlankJump] = updatePhiT(selfLoop, blankJump, nextPhi, tf.mul(keep, ct.phi));
  // next_emit = logaddexp(prev_phi[:-1] + lp_emit, emit + lp_emit)
  const ctNextEmit = tf.mul(keep, ct.emit);
  const [fromPhi, fromEmit] = logaddexpBothT(ctNextEmit, tf.add(tf.slice(prevPhi, [0, 0], [batch, maxLabels]), x.lpEmit[t]),
    tf.add(emit, x.lpEmit[t]), nextEmit);
  const ctPrevPhi = tf.add(ctSelfLoop, tf.pad(fromPhi, [[0, 0], [0, 1]]));
  // prev_phi = update_phi_score(phi, emit + eps * repeat)
  const [ctPhi, ctRepeatJump] = updatePhiT(phi, tf.add(emit, x.epsRepeat), prevPhi, ctPrevPhi);
  const ctEmit = tf.addN([tf.mul(pad, ct.emit), ctBlankJump, fromEmit, ctRepeatJump]);
  return {
    state: { phi: tf.add(ctPhi, tf.mul(pad, ct.phi)), emit: ctEmit },
    lpEmit: tf.add(fromPhi, fromEmit),
    lpPhi: tf.add(sumKept(ctSelfLoop, [1]), sumKept(ctBlankJump, [1])),
  };
}

/**
 * The cotangents of the label and blank log-probs, (B, T, N) and (B, T, 1), for the loss's g: the
 * recursion rerun, then transposed frame by frame from the last, each frame's other tensors released.
 */
function recursionT(x: CtcInputs, g: tf.Tensor, batch: number, maxLabels: number): [tf.Tensor, tf.Tensor] {
  // The recursion rerun, each frame's step kept for its transpose (none of its values made twice).
  const states = [initialState(batch, maxLabels)];
  const made: CtcStep[] = [];
  for (let t = 0; t < x.lpPhi.length; t++) {
    const [prevPhi, nextEmit, selfLoop, nextPhi, phi, emit] = tf.tidy(() => {
      const step = ctcStep(states[t], x, t);
      return [step.prevPhi, step.nextEmit, step.selfLoop, step.nextPhi, step.next.phi, step.next.emit];
    });
    made.push({ prevPhi, nextEmit, selfLoop, nextPhi, next: { phi, emit } });
    states.push({ phi, emit });
  }
  const steps = x.lpPhi.length;
  const { phi, emit } = states[steps];
  // -einsum(last, one_hot(label_length)): -g at the label length, (-g) * 0 elsewhere.
  const ctLast = tf.mul(tf.neg(tf.reshape(g, [-1, 1])), x.pick);
  const [ctPhi, ctEmit] = updatePhiT(phi, emit, updatePhi(phi, emit), ctLast);
  let ct: CtcState = { phi: ctPhi, emit: ctEmit };
  const [lpEmit, lpPhi]: tf.Tensor[][] = [[], []];
  for (let t = steps - 1; t >= 0; t--) {
    const step = tf.tidy(() => {
      const { state, lpEmit: e, lpPhi: p } = stepT(states[t], made[t], x, t, ct);
      return [state.phi, state.emit, e, p];
    });
    ct = { phi: step[0], emit: step[1] };
    lpEmit.unshift(step[2]);
    lpPhi.unshift(step[3]);
  }
  return [tf.stack(lpEmit, 1), tf.stack(lpPhi, 1)];
}

/**
 * einsum('btk,bnk->btn', lp, one_hot(labels))'s transpose, a batched product with the one-hot (B, N, C):
 * a label outside [0, C) has a zero row, and a non-finite cotangent makes NaN of its frame (0 * NaN), as
 * in JAX's dot.
 */
function oneHotT(ctLpEmit: tf.Tensor, target: tf.Tensor, classes: number): tf.Tensor {
  const labels = tf.expandDims(cast(target, 'int32'), 2);
  const oneHot = cast(tf.equal(labels, tf.reshape(tf.range(0, classes, 1, 'int32'), [1, 1, classes])), 'float32');
  return tf.matMul(ctLpEmit, oneHot);
}

function ctcLossT(target: tf.Tensor, output: tf.Tensor, targetLength: tf.Tensor, outputLength: tf.Tensor, blank: number, g: tf.Tensor): tf.Tensor {
  const [batch = 0, , classes = 0] = output.shape;
  const [, maxLabels = 0] = target.shape;
  if (output.size === 0) return tf.zeros(output.shape);
  const x = ctcInputs(target, output, targetLength, outputLength, blank);
  const [ctLpEmit, ctLpPhi] = recursionT(x, g, batch, maxLabels);
  // The blank's column is a slice: its transpose pads, so its cotangent reaches mask_index alone.
  const ctBlank = tf.pad(ctLpPhi, [[0, 0], [0, 0], [blank, classes - 1 - blank]]);
  const ctLp = maxLabels === 0 ? ctBlank : tf.add(oneHotT(ctLpEmit, target, classes), ctBlank);
  return logSoftmaxT(output, ctLp, [2]);
}

export const ctcVjps: CtcVjps = {
  ctc_loss: ({ target, output, target_length, output_length }, { maskIndex }, _out, g) => ({
    output: ctcLossT(target, output, target_length, output_length, maskIndex, g),
  }),
};
