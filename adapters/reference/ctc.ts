/**
 * Reference CTC kernels, in float64, with the algorithms Keras 3.6 runs on JAX (keras/src/backend/jax/nn.py):
 * optax's forward algorithm for the loss, and Keras's own greedy and pruned beam-search decoders.
 */
import type { Kernels } from '../../src/ops/table.js';
import { BLANK, beamSearchDecode, logSoftmaxRows, logaddexp } from '../host/ctc.js';
import { fromValues, values, type RefArray } from './ndarray.js';

/** Keras-JAX's stand-in for log(0): impossible alignments cost about 1e5 instead of infinity. */
export const LOG_EPSILON = -1e5;
/**
 * lp[label] as JAX's einsum with one_hot(label) computes it: 0 for a label outside [0, C), and NaN
 * when the row holds an infinite log-prob (inf * 0), which the full dot product only does.
 */
function dotOneHot(lp: Float64Array, base: number, width: number, label: number, finiteRow: boolean): number {
  if (finiteRow) return label >= 0 && label < width ? lp[base + label] : 0;
  let sum = 0;
  for (let k = 0; k < width; k++) sum += lp[base + k] * (k === label ? 1 : 0);
  return sum;
}

/** update_phi_score: phi[n + 1] = logaddexp(phi[n + 1], added[n]), phi[0] unchanged. */
export function updatePhi(phi: Float64Array, added: (n: number) => number): Float64Array {
  const out = Float64Array.from(phi);
  for (let n = 0; n + 1 < phi.length; n++) out[n + 1] = logaddexp(phi[n + 1], added(n));
  return out;
}

/** What one sample's recursion reads: per frame the label log-probs, the blank's, the padding flag. */
export interface CtcSample {
  lpEmit: Float64Array[];
  lpPhi: number[];
  pads: number[];
  /** repeat[i] = 1 when label i equals label i + 1; the padding after the labels counts too, as in JAX. */
  repeat: number[];
  labelLength: number;
}

/** A recursion state: phi[n] is "n labels emitted, then blank", emit[n] "label n just emitted". */
export interface CtcState {
  phi: Float64Array;
  emit: Float64Array;
}

/** One step of the scan's loop_body, with the values its transpose reads. */
export interface CtcStep {
  prevPhi: Float64Array;
  nextEmit: Float64Array;
  selfLoop: Float64Array;
  nextPhi: Float64Array;
  next: CtcState;
}

export function ctcSample(lp: Float64Array, base: number, steps: number, classes: number, labels: number[],
  labelLength: number, outputLength: number, blank: number): CtcSample {
  const lpEmit: Float64Array[] = [];
  const lpPhi: number[] = [];
  for (let t = 0; t < steps; t++) {
    const row = base + t * classes;
    const finiteRow = lp.subarray(row, row + classes).every(Number.isFinite);
    lpEmit.push(Float64Array.from(labels, (label) => dotOneHot(lp, row, classes, label, finiteRow)));
    lpPhi.push(lp[row + blank]);
  }
  const pads = lpPhi.map((_, t) => (t < outputLength ? 0 : 1));
  const repeat = labels.map((l, i) => (i + 1 < labels.length && l === labels[i + 1] ? 1 : 0));
  return { lpEmit, lpPhi, pads, repeat, labelLength };
}

/** Every step written as JAX computes it (pads blended as pad * prev + (1 - pad) * next, penalties as LOG_EPSILON * repeat). */
export function ctcStep({ phi, emit }: CtcState, s: CtcSample, t: number): CtcStep {
  const [lpEmit, lpPhi, pad] = [s.lpEmit[t], s.lpPhi[t], s.pads[t]];
  const prevPhi = updatePhi(phi, (i) => emit[i] + LOG_EPSILON * s.repeat[i]);
  const nextEmit = lpEmit.map((lpe, i) => logaddexp(prevPhi[i] + lpe, emit[i] + lpe));
  const selfLoop = prevPhi.map((p) => p + lpPhi);
  const nextPhi = updatePhi(selfLoop, (i) => emit[i] + lpPhi + LOG_EPSILON * (1 - s.repeat[i]));
  const next = { emit: emit.map((e, i) => pad * e + (1 - pad) * nextEmit[i]), phi: phi.map((p, i) => pad * p + (1 - pad) * nextPhi[i]) };
  return { prevPhi, nextEmit, selfLoop, nextPhi, next };
}

/** The state before each step, and after the last: T + 1 states. */
export function ctcStates(s: CtcSample): CtcState[] {
  const n = s.repeat.length;
  const phi = new Float64Array(n + 1).fill(LOG_EPSILON);
  phi[0] = 0;
  const states: CtcState[] = [{ phi, emit: new Float64Array(n).fill(LOG_EPSILON) }];
  for (let t = 0; t < s.lpPhi.length; t++) states.push(ctcStep(states[t], s, t).next);
  return states;
}

/**
 * One sample's loss by optax's ctc_loss_with_forward_probs. Impossible alignments give Keras's large
 * finite values.
 */
function ctcLossOne(s: CtcSample): number {
  const { phi, emit } = ctcStates(s).at(-1)!;
  const last = updatePhi(phi, (i) => emit[i]);
  let picked = 0;
  for (let i = 0; i < last.length; i++) picked += last[i] * (i === s.labelLength ? 1 : 0);
  return -picked;
}

/** Each sample's recursion inputs, from the float32 logits read as float64. */
export function ctcSamples(target: RefArray, output: RefArray, targetLength: RefArray, outputLength: RefArray,
  blank: number): CtcSample[] {
  const [batch, steps, classes] = output.shape;
  const maxLabels = target.shape[1];
  const lp = logSoftmaxRows(values(output), classes);
  const [labels, tLen, oLen] = [values(target), values(targetLength), values(outputLength)];
  return Array.from({ length: batch }, (_, b) => {
    const row = Array.from(labels.subarray(b * maxLabels, (b + 1) * maxLabels));
    const labelLength = Math.min(Math.max(tLen[b], 0), maxLabels);
    return ctcSample(lp, b * steps * classes, steps, classes, row, labelLength, oLen[b], blank);
  });
}

export function ctcLoss(target: RefArray, output: RefArray, targetLength: RefArray, outputLength: RefArray,
  blank: number): Float64Array {
  return Float64Array.from(ctcSamples(target, output, targetLength, outputLength, blank), ctcLossOne);
}

/** jnp.argmax: the first maximum, or the first NaN. */
function argmax(v: Float64Array, base: number, width: number): number {
  let best = 0;
  for (let k = 0; k < width; k++) {
    if (Number.isNaN(v[base + k])) return k;
    if (v[base + k] > v[base + best]) best = k;
  }
  return best;
}

/** Keras's greedy decoder: paths (B, T) left-packed and -1 padded, scores -sum of the raw maxima. */
function greedyDecode(inputs: RefArray, lengths: RefArray, mergeRepeated: boolean, blank: number) {
  const [batch, steps, classes] = inputs.shape;
  const x = values(inputs);
  const len = values(lengths);
  const paths = new Float64Array(batch * steps).fill(BLANK);
  const scores = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const idx: number[] = [];
    let sum = 0;
    for (let t = 0; t < steps; t++) {
      const base = (b * steps + t) * classes;
      const valid = t < len[b];
      idx.push(valid ? argmax(x, base, classes) : blank);
      if (!valid) continue;
      let max = -Infinity;
      for (let k = 0; k < classes; k++) max = Math.max(max, x[base + k]);
      sum += max;
    }
    // Repeats are found on the argmax sequence before blanks are dropped: "a blank a" stays "a a".
    const kept = idx.filter((c, t) => c !== blank && !(mergeRepeated && t > 0 && c === idx[t - 1]));
    paths.set(kept, b * steps);
    scores[b] = -sum;
  }
  return { paths, scores };
}

export const ctcKernels: Pick<Kernels<RefArray>, 'ctc_loss' | 'ctc_decode'> = {
  ctc_loss: ({ target, output, target_length, output_length }, { maskIndex }, out) =>
    fromValues(ctcLoss(target, output, target_length, output_length, maskIndex), out.shape, out.dtype),
  ctc_decode: ({ inputs, sequence_lengths }, attrs, [decodedSpec, scoresSpec]) => {
    const { paths, scores } = attrs.strategy === 'greedy'
      ? greedyDecode(inputs, sequence_lengths, attrs.mergeRepeated, attrs.maskIndex)
      : beamSearchDecode(values(inputs), inputs.shape, values(sequence_lengths), attrs);
    return [fromValues(paths, decodedSpec.shape, 'int32'), fromValues(scores, scoresSpec.shape, scoresSpec.dtype)];
  },
};
