/**
 * Reference CTC kernels, in float64, with the algorithms Keras 3.6 runs on JAX (keras/src/backend/jax/nn.py):
 * optax's forward algorithm for the loss, and Keras's own greedy and pruned beam-search decoders.
 */
import type { CtcDecodeAttrs } from '../../src/ops/ctc.js';
import type { Kernels } from '../../src/ops/table.js';
import { fromValues, values, type RefArray } from './ndarray.js';

/** Keras-JAX's stand-in for log(0): impossible alignments cost about 1e5 instead of infinity. */
const LOG_EPSILON = -1e5;
const BLANK = -1;

/** jnp.logaddexp: NaN-safe when both are infinite of the same sign. */
function logaddexp(a: number, b: number): number {
  const delta = a - b;
  if (Number.isNaN(delta)) return a + b;
  return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(delta)));
}

/** jax.nn.log_softmax over each row of `width` values, max-shifted; NaN and inf propagate as in JAX. */
function logSoftmaxRows(v: Float64Array, width: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let base = 0; base < v.length; base += width) {
    let max = -Infinity;
    for (let k = 0; k < width; k++) max = Math.max(max, v[base + k]); // NaN propagates, as in lax.max
    let sum = 0;
    for (let k = 0; k < width; k++) sum += Math.exp(v[base + k] - max);
    const logSum = Math.log(sum);
    for (let k = 0; k < width; k++) out[base + k] = v[base + k] - max - logSum;
  }
  return out;
}

/** jnp.argsort (stable, ascending, NaN last; -0 equals 0). */
function argsort(x: ArrayLike<number>): number[] {
  const order = Array.from({ length: x.length }, (_, i) => i);
  return order.sort((i, j) => {
    const a = x[i];
    const b = x[j];
    if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

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
function updatePhi(phi: Float64Array, added: (n: number) => number): Float64Array {
  const out = Float64Array.from(phi);
  for (let n = 0; n + 1 < phi.length; n++) out[n + 1] = logaddexp(phi[n + 1], added(n));
  return out;
}

/**
 * One sample's loss by optax's ctc_loss_with_forward_probs: phi[n] is "n labels emitted, then blank",
 * emit[n] "label n just emitted". Every step is written as JAX computes it (pads blended as
 * pad * prev + (1 - pad) * next, penalties as LOG_EPSILON * repeat), so impossible alignments give
 * Keras's large finite values.
 */
function ctcLossOne(lp: Float64Array, base: number, steps: number, classes: number, labels: number[],
  labelLength: number, outputLength: number, blank: number): number {
  const n = labels.length;
  // repeat[i] = 1 when label i equals label i + 1; the padding after the labels counts too, as in JAX.
  const repeat = labels.map((l, i) => (i + 1 < n && l === labels[i + 1] ? 1 : 0));
  let phi = new Float64Array(n + 1).fill(LOG_EPSILON);
  phi[0] = 0;
  let emit = new Float64Array(n).fill(LOG_EPSILON);
  const lpEmit = new Float64Array(n);
  for (let t = 0; t < steps; t++) {
    const row = base + t * classes;
    const pad = t < outputLength ? 0 : 1;
    const lpPhi = lp[row + blank];
    const finiteRow = lp.subarray(row, row + classes).every(Number.isFinite);
    for (let i = 0; i < n; i++) lpEmit[i] = dotOneHot(lp, row, classes, labels[i], finiteRow);
    const prevEmit = emit;
    const prevPhi = updatePhi(phi, (i) => prevEmit[i] + LOG_EPSILON * repeat[i]);
    const nextEmit = new Float64Array(n);
    for (let i = 0; i < n; i++) nextEmit[i] = logaddexp(prevPhi[i] + lpEmit[i], prevEmit[i] + lpEmit[i]);
    const selfLoop = prevPhi.map((p) => p + lpPhi);
    const nextPhi = updatePhi(selfLoop, (i) => prevEmit[i] + lpPhi + LOG_EPSILON * (1 - repeat[i]));
    emit = prevEmit.map((e, i) => pad * e + (1 - pad) * nextEmit[i]);
    phi = phi.map((p, i) => pad * p + (1 - pad) * nextPhi[i]);
  }
  const last = updatePhi(phi, (i) => emit[i]);
  let picked = 0;
  for (let i = 0; i <= n; i++) picked += last[i] * (i === labelLength ? 1 : 0);
  return -picked;
}

function ctcLoss(target: RefArray, output: RefArray, targetLength: RefArray, outputLength: RefArray,
  blank: number): Float64Array {
  const [batch, steps, classes] = output.shape;
  const maxLabels = target.shape[1];
  const lp = logSoftmaxRows(values(output), classes);
  const labels = values(target);
  const tLen = values(targetLength);
  const oLen = values(outputLength);
  const loss = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const row = Array.from(labels.subarray(b * maxLabels, (b + 1) * maxLabels));
    const labelLength = Math.min(Math.max(tLen[b], 0), maxLabels);
    loss[b] = ctcLossOne(lp, b * steps * classes, steps, classes, row, labelLength, oLen[b], blank);
  }
  return loss;
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

/** A beam-search row: a label path (no blanks), its log-probability, whether it ends in a blank. */
type Row = { path: number[]; score: number; masked: boolean };

/** Lexicographic order of jnp.unique(axis=0) on -1-padded rows: a path sorts before its extensions. */
function comparePaths(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * jnp.unique(paths, axis=0, size=size, return_inverse=True): the sorted distinct paths, padded to
 * `size` with empty paths (all -1 rows), and each input row's index among them.
 */
function uniquePaths(paths: number[][], size: number): { unique: number[][]; inverse: number[] } {
  const order = paths.map((_, i) => i).sort((i, j) => comparePaths(paths[i], paths[j]));
  const unique: number[][] = [];
  const inverse = new Array<number>(paths.length);
  for (const i of order) {
    if (unique.length === 0 || comparePaths(unique[unique.length - 1], paths[i]) !== 0) unique.push(paths[i]);
    inverse[i] = unique.length - 1;
  }
  while (unique.length < size) unique.push([]);
  return { unique, inverse };
}

/** _merge_scores: log-sum-exp of the scores of identical paths into `size` slots, shifted by the global max. */
function mergeScores(inverse: number[], scores: number[], size: number): number[] {
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  const sums = new Array<number>(size).fill(0);
  scores.forEach((s, i) => (sums[inverse[i]] += Math.exp(s - max)));
  return sums.map((s) => Math.log(s) + max);
}

/**
 * Keras-JAX's pruned beam search for one sample, on log-probabilities whose class axis is flipped
 * (Keras's tie-break trick: jnp.argsort then prefers the lower original class). `lp(t, c)` reads
 * frame t, flipped class c. Keeps 2W rows: the W best paths once by emit score, once by blank score.
 */
function beamSearchOne(lp: (t: number, c: number) => number, steps: number, length: number, classes: number,
  width: number, topPaths: number, blank: number): Row[] {
  const nInit = Math.min(classes, width);
  const first = Array.from({ length: classes }, (_, c) => lp(0, c));
  let rows: Row[] = Array.from({ length: 2 * width }, () => ({ path: [], score: -Infinity, masked: true }));
  argsort(first).slice(-nInit).forEach((c, j) => {
    rows[j] = { path: c === blank ? [] : [c], score: first[c], masked: c === blank };
  });
  for (let t = 1; t < steps && t < length; t++) rows = pruneRows(extendRows(rows, (c) => lp(t, c), classes, blank), width, classes);
  const { unique, inverse } = uniquePaths(rows.map((r) => r.path), 2 * classes * width);
  const merged = mergeScores(inverse, rows.map((r) => r.score), rows.length);
  const top = argsort(merged).slice(-topPaths).reverse();
  return top.map((i) => ({ path: unique[i], score: merged[i], masked: false }));
}

/** _extend_paths: every row by every class; a repeat of an unmasked row's last label is not appended. */
function extendRows(rows: Row[], lp: (c: number) => number, classes: number, blank: number): Row[] {
  const out: Row[] = [];
  for (const row of rows) {
    const tail = row.path.length === 0 ? BLANK : row.path[row.path.length - 1];
    for (let c = 0; c < classes; c++) {
      const label = c === blank ? BLANK : c;
      const repeat = !row.masked && tail === label;
      const path = label === BLANK || repeat ? row.path : [...row.path, label];
      out.push({ path, score: row.score + lp(c), masked: label === BLANK });
    }
  }
  return out;
}

/** _prune_paths: merge identical paths (emit and blank scores apart), keep the W best by their sum. */
function pruneRows(rows: Row[], width: number, classes: number): Row[] {
  const size = 2 * classes * width;
  const { unique, inverse } = uniquePaths(rows.map((r) => r.path), size);
  const emit = mergeScores(inverse, rows.map((r) => (r.masked ? -Infinity : r.score)), size);
  const masked = mergeScores(inverse, rows.map((r) => (r.masked ? r.score : -Infinity)), size);
  const top = argsort(emit.map((e, i) => logaddexp(e, masked[i]))).slice(-width);
  return [
    ...top.map((i) => ({ path: unique[i], score: emit[i], masked: false })),
    ...top.map((i) => ({ path: unique[i], score: masked[i], masked: true })),
  ];
}

function beamSearchDecode(inputs: RefArray, lengths: RefArray, attrs: Extract<CtcDecodeAttrs, { strategy: 'beam_search' }>) {
  const [batch, steps, classes] = inputs.shape;
  const { beamWidth, topPaths, maskIndex } = attrs;
  const lp = logSoftmaxRows(values(inputs), classes);
  const len = values(lengths);
  const flip = (c: number) => classes - 1 - c;
  const paths = new Float64Array(topPaths * batch * steps).fill(BLANK);
  const scores = new Float64Array(batch * topPaths);
  for (let b = 0; b < batch; b++) {
    const read = (t: number, c: number) => lp[(b * steps + t) * classes + flip(c)];
    const best = beamSearchOne(read, steps, len[b], classes, beamWidth, topPaths, flip(maskIndex));
    best.forEach((row, p) => {
      paths.set(row.path.map(flip), (p * batch + b) * steps);
      scores[b * topPaths + p] = row.score;
    });
  }
  return { paths, scores };
}

export const ctcKernels: Pick<Kernels<RefArray>, 'ctc_loss' | 'ctc_decode'> = {
  ctc_loss: ({ target, output, target_length, output_length }, { maskIndex }, out) =>
    fromValues(ctcLoss(target, output, target_length, output_length, maskIndex), out.shape, out.dtype),
  ctc_decode: ({ inputs, sequence_lengths }, attrs, [decodedSpec, scoresSpec]) => {
    const { paths, scores } = attrs.strategy === 'greedy'
      ? greedyDecode(inputs, sequence_lengths, attrs.mergeRepeated, attrs.maskIndex)
      : beamSearchDecode(inputs, sequence_lengths, attrs);
    return [fromValues(paths, decodedSpec.shape, 'int32'), fromValues(scores, scoresSpec.shape, scoresSpec.dtype)];
  },
};
