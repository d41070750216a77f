/**
 * Backward rule of ctc_loss: jax.vjp of Keras's op on JAX, the transpose of optax's forward recursion as
 * Keras writes it (keras/src/backend/jax/nn.py, alike in 3.6 and 3.15), in float64. Only the logits
 * (`output`) are differentiated; labels and lengths are int32. What JAX's rules decide:
 * - the loss picks logalpha_phi_last at the label length by an einsum with its one-hot: -g there, and
 *   (-g) * 0 at every other slot;
 * - jnp.logaddexp has a custom jvp, each operand's cotangent g * exp(x - out) (+inf read as 0): the
 *   posterior weights, which with Keras's LOG_EPSILON = -1e5 in place of log(0) also weigh the penalised
 *   paths, so an impossible alignment's gradient is that of its cheapest penalised paths, not 0 or NaN;
 * - a padded frame blends pad * prev + (1 - pad) * next: its cotangent passes to prev, and 0 times it to
 *   the step's values, whose own weights still multiply it (a NaN logit past output_length spreads NaN);
 * - the label log-probs are an einsum with one_hot(target): their transpose is a dot product over the
 *   labels, so a label outside [0, C) gets nothing, and a non-finite cotangent of any label NaN to the
 *   whole frame; the blank's column is a slice, its cotangent added at mask_index;
 * - log_softmax's transpose: dlp - exp(shifted) * sum(dlp) / sum(exp(shifted)) per frame.
 */
import type { Vjps } from '../../../src/ops/table.js';
import { LOG_EPSILON, ctcSamples, ctcStates, ctcStep, updatePhi, type CtcSample, type CtcState } from '../ctc.js';
import { fromValues, values, type RefArray } from '../ndarray.js';
import { softmaxGrad } from './activations.js';

type CtcVjps = Required<Pick<Vjps<RefArray>, 'ctc_loss'>>;

/** logaddexp's custom jvp weight for operand x of out: exp(x - out), +inf read as 0 on both sides. */
const weight = (x: number, out: number): number => Math.exp((x === Infinity ? 0 : x) - (out === Infinity ? 0 : out));

/** The cotangents of update_phi_score(phi, added) = out, for out's cotangent: [of phi, of added]. */
function updatePhiT(phi: Float64Array, added: (n: number) => number, out: Float64Array, ct: Float64Array): [Float64Array, Float64Array] {
  const ctAdded = new Float64Array(phi.length - 1);
  const ctPhi = Float64Array.from(ct);
  for (let n = 0; n + 1 < phi.length; n++) {
    ctPhi[n + 1] = ct[n + 1] * weight(phi[n + 1], out[n + 1]);
    ctAdded[n] = ct[n + 1] * weight(added(n), out[n + 1]);
  }
  return [ctPhi, ctAdded];
}

/** The cotangents a step's inputs take, and its frame's label and blank log-probs. */
interface StepCotangents {
  state: CtcState;
  lpEmit: Float64Array;
  lpPhi: number;
}

/** loop_body's transpose at frame t, from the cotangents of the state it made. */
function stepT(state: CtcState, s: CtcSample, t: number, ct: CtcState): StepCotangents {
  const { phi, emit } = state;
  const { prevPhi, nextEmit, selfLoop, nextPhi } = ctcStep(state, s, t);
  const [lpe, lpPhi, pad, eps] = [s.lpEmit[t], s.lpPhi[t], s.pads[t], LOG_EPSILON];
  const ctEmit = ct.emit.map((c) => pad * c);
  const ctNextEmit = ct.emit.map((c) => (1 - pad) * c);
  const ctNextPhi = ct.phi.map((c) => (1 - pad) * c);
  // next_phi = update_phi_score(prev_phi + lp_phi, emit + lp_phi + eps * (1 - repeat))
  const [ctSelfLoop, ctBlankJump] = updatePhiT(selfLoop, (n) => emit[n] + lpPhi + eps * (1 - s.repeat[n]), nextPhi, ctNextPhi);
  let ctLpPhi = 0;
  ctBlankJump.forEach((c, n) => {
    ctEmit[n] += c;
    ctLpPhi += c;
  });
  ctSelfLoop.forEach((c) => (ctLpPhi += c));
  const ctPrevPhi = Float64Array.from(ctSelfLoop);
  // next_emit = logaddexp(prev_phi[:-1] + lp_emit, emit + lp_emit)
  const ctLpEmit = new Float64Array(lpe.length);
  lpe.forEach((l, n) => {
    const fromPhi = ctNextEmit[n] * weight(prevPhi[n] + l, nextEmit[n]);
    const fromEmit = ctNextEmit[n] * weight(emit[n] + l, nextEmit[n]);
    ctPrevPhi[n] += fromPhi;
    ctEmit[n] += fromEmit;
    ctLpEmit[n] = fromPhi + fromEmit;
  });
  // prev_phi = update_phi_score(phi, emit + eps * repeat), and the pad's share of phi.
  const [ctPhi, ctRepeatJump] = updatePhiT(phi, (n) => emit[n] + eps * s.repeat[n], prevPhi, ctPrevPhi);
  ctRepeatJump.forEach((c, n) => (ctEmit[n] += c));
  return { state: { phi: ctPhi.map((c, n) => c + pad * ct.phi[n]), emit: ctEmit }, lpEmit: ctLpEmit, lpPhi: ctLpPhi };
}

/** One sample's cotangent of its log-probs (T, C), for the loss's cotangent g. */
function sampleT(s: CtcSample, g: number, labels: Float64Array, classes: number, blank: number): Float64Array {
  const states = ctcStates(s);
  const steps = s.lpPhi.length;
  const { phi, emit } = states[steps];
  const last = updatePhi(phi, (n) => emit[n]);
  const ctLast = last.map((_, n) => -g * (n === s.labelLength ? 1 : 0));
  const [ctPhi, ctEmit] = updatePhiT(phi, (n) => emit[n], last, ctLast);
  let ct: CtcState = { phi: ctPhi, emit: ctEmit };
  const ctLp = new Float64Array(steps * classes);
  for (let t = steps - 1; t >= 0; t--) {
    const step = stepT(states[t], s, t, ct);
    oneHotT(step.lpEmit, labels, ctLp.subarray(t * classes, (t + 1) * classes));
    ctLp[t * classes + blank] += step.lpPhi;
    ct = step.state;
  }
  return ctLp;
}

/** einsum('btk,bnk->btn', lp, one_hot(labels))'s transpose for one frame, added into `row`. */
function oneHotT(ctLpEmit: Float64Array, labels: Float64Array, row: Float64Array): void {
  const finite = ctLpEmit.every(Number.isFinite);
  ctLpEmit.forEach((c, n) => {
    if (!finite) row.forEach((_, k) => (row[k] += c * (k === labels[n] ? 1 : 0)));
    else if (labels[n] >= 0 && labels[n] < row.length) row[labels[n]] += c;
  });
}

function ctcLossT(target: RefArray, output: RefArray, targetLength: RefArray, outputLength: RefArray, blank: number, ct: RefArray): RefArray {
  const [batch, steps, classes] = output.shape;
  const maxLabels = target.shape[1];
  const [labels, g] = [values(target), values(ct)];
  const samples = ctcSamples(target, output, targetLength, outputLength, blank);
  const ctLp = new Float64Array(batch * steps * classes);
  samples.forEach((s, b) => {
    const own = labels.subarray(b * maxLabels, (b + 1) * maxLabels);
    ctLp.set(sampleT(s, g[b], own, classes, blank), b * steps * classes);
  });
  return softmaxGrad(output, fromValues(ctLp, output.shape, 'float32'), [2], true).x;
}

export const ctcVjps: CtcVjps = {
  ctc_loss: ({ target, output, target_length, output_length }, { maskIndex }, _out, ct) => ({
    output: ctcLossT(target, output, target_length, output_length, maskIndex, ct),
  }),
};
