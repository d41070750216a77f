/**
 * CTC on the host, in float64, for every adapter that runs it there: the log-space helpers, and Keras
 * 3.6's pruned beam search on JAX (keras/src/backend/jax/nn.py), whose jnp.unique over label paths no
 * device op set here has (adapters/tfjs/host-reads.ts). Plain arrays in and out.
 */
import type { CtcDecodeAttrs } from '../../src/ops/ctc.js';

/** A decoded path's padding, and the blank's label inside a beam search. */
export const BLANK = -1;

/** jnp.logaddexp: NaN-safe when both are infinite of the same sign. */
export function logaddexp(a: number, b: number): number {
  const delta = a - b;
  if (Number.isNaN(delta)) return a + b;
  return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(delta)));
}

/** jax.nn.log_softmax over each row of `width` values, max-shifted; NaN and inf propagate as in JAX. */
export function logSoftmaxRows(v: Float64Array, width: number): Float64Array {
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

/**
 * Keras-JAX's ctc_decode(strategy='beam_search') on logits of shape (batch, steps, classes), row-major:
 * the top paths (-1 past their end, path-major) and their scores (batch-major).
 */
export function beamSearchDecode(
  logits: ArrayLike<number>,
  [batch, steps, classes]: readonly number[],
  lengths: ArrayLike<number>,
  attrs: Extract<CtcDecodeAttrs, { strategy: 'beam_search' }>,
): { paths: Float64Array; scores: Float64Array } {
  const { beamWidth, topPaths, maskIndex } = attrs;
  const lp = logSoftmaxRows(Float64Array.from(logits), classes);
  const flip = (c: number) => classes - 1 - c;
  const paths = new Float64Array(topPaths * batch * steps).fill(BLANK);
  const scores = new Float64Array(batch * topPaths);
  for (let b = 0; b < batch; b++) {
    const read = (t: number, c: number) => lp[(b * steps + t) * classes + flip(c)];
    const best = beamSearchOne(read, steps, lengths[b], classes, beamWidth, topPaths, flip(maskIndex));
    best.forEach((row, p) => {
      paths.set(row.path.map(flip), (p * batch + b) * steps);
      scores[b * topPaths + p] = row.score;
    });
  }
  return { paths, scores };
}
