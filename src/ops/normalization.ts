/** Statistics and normalisation: moments, batch_normalization, normalize, rms_normalization, layer_normalization. */
import { formatList, formatShape, formatValue } from '../format.js';
import type { Spec } from '../dtypes.js';
import { KerasIndexError, KerasNotImplementedError, KerasTypeError, KerasValueError, KerasZeroDivisionError } from '../errors.js';
import { checkBool, checkNumber, isPythonInt, normalizeAxis, reductionAxes, sameShape, tupleIndexError } from './args.js';
import { arg, defineOp, introduced, kwarg, optionalTensor, tensor } from './op.js';

type Shape = (number | null)[];

/** Elements of a shape, or null when a dim is unknown. */
function sizeOf(shape: Shape): number | null {
  return shape.some((d) => d === null) ? null : (shape as number[]).reduce((p, d) => p * d, 1);
}

export type MomentsAttrs = {
  /** Reduced axes, normalised (possibly empty: mean = x, variance = 0). */
  axes: number[];
  keepdims: boolean;
};

/**
 * Keras's symbolic spec says x.dtype and fails for an int `axes`; eager JAX takes an int and returns
 * float32 for int32 and bool input. The spec here follows eager (docs/deviations.md).
 */
function resolveMoments(x: Spec, v: Record<string, unknown>): { attrs: MomentsAttrs; out: Spec[] } {
  if (checkBool(v.synchronized, 'synchronized')) {
    throw new KerasNotImplementedError('Argument synchronized=True is not supported with JAX.');
  }
  const keepdims = checkBool(v.keepdims, 'keepdims');
  // jnp.var indexes the shape with each axis: IndexError past the rank.
  const axes = reductionAxes(v.axes, x.shape.length, 'axes', tupleIndexError);
  const shape = keepdims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  const out = { shape, dtype: 'float32' as const };
  return { attrs: { axes, keepdims }, out: [out, { ...out, shape: [...shape] }] };
}

export type BatchNormalizationAttrs = {
  /** The normalised axis of x, non-negative. */
  axis: number;
  epsilon: number;
};

const VECTORS = ['mean', 'variance', 'offset', 'scale'] as const;
type VectorName = (typeof VECTORS)[number];

function vectorMessage(name: string, expected: Shape, shape: Shape): string {
  // Keras's text, unbalanced backtick included (ops/nn.py BatchNorm._check_shape).
  return (
    `Arguments \`${name}\` must be a vector of length \`x.shape[axis]\`. ` +
    `Expected: \`${formatShape(expected)}\`. Received: \`${formatShape(shape)}.`
  );
}

/** Keras's symbolic check: every given vector has shape (x.shape[axis],). */
function checkVectorsSymbolic(n: number | null, vectors: [VectorName, Spec][]): void {
  for (const [name, spec] of vectors) {
    if (!sameShape(spec.shape, [n])) throw new KerasValueError(vectorMessage(name, [n], spec.shape));
  }
}

/**
 * What eager JAX accepts: `mean.shape[0]` = L sets the length, every vector holds L elements (they are
 * reshaped to it), and L broadcasts against x.shape[axis] (equal, or either is 1). Checked in JAX's
 * order: mean, variance and scale are reshaped, then the mean negated (lax.neg rejects bool), then
 * offset reshaped, then x broadcast. Returns the output's length along the axis.
 */
function checkVectorsEager(n: number, vectors: [VectorName, Spec][]): number {
  const mean = vectors[0][1].shape as number[];
  if (mean.length === 0 || sizeOf(mean) !== mean[0]) {
    throw new KerasValueError(`Argument \`mean\` must be a vector. Received: mean.shape=${formatShape(mean)}`);
  }
  const length = mean[0];
  const reshaped = (names: VectorName[]) => vectors.slice(1).filter(([name]) => names.includes(name));
  checkSizes(length, reshaped(['variance', 'scale']));
  checkMeanNumeric(vectors[0][1]);
  checkSizes(length, reshaped(['offset']));
  if (length !== n && length !== 1 && n !== 1) throw new KerasTypeError(vectorMessage('mean', [n], mean));
  return n === 1 ? length : n;
}

function checkSizes(length: number, vectors: [VectorName, Spec][]): void {
  for (const [name, spec] of vectors) {
    if (sizeOf(spec.shape) !== length) {
      // JAX's reshape to the broadcast shape raises ValueError ("cannot reshape array of size 4 into
      // shape (1, 3)"); the wording is ours.
      throw new KerasValueError(
        `Argument \`${name}\` must have as many elements as \`mean\` (${length}). Received: ${name}.shape=${formatShape(spec.shape)}`,
      );
    }
  }
}

function checkMeanNumeric(mean: Spec): void {
  if (mean.dtype === 'bool') {
    throw new KerasTypeError('Argument `mean` must be numeric: JAX cannot negate a bool tensor. Received: mean.dtype=bool');
  }
}

function resolveBatchNormalization(
  t: Record<VectorName | 'x', Spec | null>,
  v: Record<string, unknown>,
  symbolic: boolean,
): { attrs: BatchNormalizationAttrs; out: Spec } {
  const x = t.x as Spec;
  // Keras-JAX assigns `shape[axis] = mean.shape[0]` on a Python list first.
  const axis = normalizeAxis(v.axis, x.shape.length, 'axis', () => new KerasIndexError('list assignment index out of range'));
  const epsilon = checkNumber(v.epsilon, 'epsilon');
  const vectors = VECTORS.filter((name) => t[name] !== null).map((name) => [name, t[name] as Spec] as [VectorName, Spec]);
  const shape = [...x.shape];
  if (symbolic) {
    checkMeanNumeric(t.mean as Spec);
    checkVectorsSymbolic(x.shape[axis], vectors);
  } else {
    shape[axis] = checkVectorsEager(x.shape[axis] as number, vectors);
  }
  // rsqrt makes the result float32, also for int32 and bool x (Keras's symbolic spec says x.dtype).
  return { attrs: { axis, epsilon }, out: { shape, dtype: 'float32' } };
}

export type NormalizeAttrs = {
  /**
   * 'l2': x * min(rsqrt(sum(x^2)), 1/eps) over `axes` (order 2, any axes); 'vector': x / max(p-norm, eps)
   * over one axis; 'matrix1': jnp's matrix 1-norm, max over axes[1] of the sums over axes[0].
   */
  norm: 'l2' | 'vector' | 'matrix1';
  axes: number[];
  order: number;
  epsilon: number;
};

/** `order` must be a Python int >= 1; `true` is one (a bool is an int in Python) and means order 1. */
function checkOrder(order: unknown): number {
  if (!isPythonInt(order) || !(Number(order) >= 1)) {
    throw new KerasValueError(`Argument \`order\` must be an int >= 1. Received: order=${formatValue(order)}`);
  }
  return Number(order);
}

/** The norm jnp.linalg.norm computes for orders other than 2: by the number of axes, as numpy. */
function linalgNorm(axes: number[], order: number, shape: Shape): NormalizeAttrs['norm'] {
  if (axes.length === 1) return 'vector';
  if (axes.length !== 2) throw new KerasValueError(`Invalid axis values (${formatShape(axes)}) for jnp.linalg.norm.`);
  if (order !== 1) throw new KerasValueError(`Invalid order '${order}' for matrix norm.`);
  if (shape[axes[1]] === 0) throw new KerasValueError('zero-size array to reduction operation max which has no identity');
  return 'matrix1';
}

/**
 * Keras expands a 0-D x to (1,) and its eager result is float32 (JAX's rsqrt rejects ints, so int32 and
 * bool input, which JavaScript infers for `[1, 2]`, are promoted instead; docs/deviations.md). Keras's
 * symbolic spec keeps x.shape and skips the `order` check; this spec predicts the eager result.
 */
function resolveNormalize(x: Spec, v: Record<string, unknown>): { attrs: NormalizeAttrs; out: Spec } {
  const order = checkOrder(v.order);
  const epsilon = v.epsilon === null ? 1e-7 : checkNumber(v.epsilon, 'epsilon');
  const shape = x.shape.length === 0 ? [1] : [...x.shape];
  const axes = reductionAxes(v.axis, shape.length);
  if (order === 2 && epsilon === 0) {
    // Keras computes 1.0 / epsilon in Python.
    throw new KerasZeroDivisionError('float division by zero');
  }
  const norm = order === 2 ? 'l2' : linalgNorm(axes, order, shape);
  return { attrs: { norm, axes, order, epsilon }, out: { shape, dtype: 'float32' } };
}

// ------------------------------------------------------------ rms_normalization, layer_normalization
// keras/src/ops/nn.py:3021 and :3137 (3.15.1): x, scale, gamma and beta become float32, the result is
// cast back to x's dtype (int32 truncates, bool tests != 0), and every failure comes from JAX or Python.

export type RmsNormalizationAttrs = {
  /** Reduced axes of x (a 0-D x counts as (1,)), non-negative and distinct, possibly none. */
  axes: number[];
  epsilon: number;
};

export type LayerNormalizationAttrs = {
  /** Reduced axes of x, non-negative and distinct, possibly none. */
  axes: number[];
  epsilon: number;
  /** The shapes gamma and beta take in the arithmetic (see `layerNormShape`); null when not given. */
  gammaShape: number[] | null;
  betaShape: number[] | null;
};

/** backend.epsilon() for epsilon=None; a bool is a Python int. */
function resolveEpsilon(value: unknown): number {
  if (value === null) return 1e-7;
  return typeof value === 'boolean' ? Number(value) : checkNumber(value, 'epsilon');
}

/** A bool axis is a Python int, and Keras sorts a tuple of axes (keras-team/keras#22296, 3.14) before jnp sees it. */
function sortedAxis(axis: unknown): unknown {
  const int = (a: unknown) => (typeof a === 'boolean' ? Number(a) : a);
  if (!Array.isArray(axis)) return int(axis);
  const list = axis.map(int);
  return list.every((a) => typeof a === 'number') ? [...list].sort((a, b) => a - b) : list;
}

/**
 * numpy broadcasting as JAX applies it in `op` (mul or add), `name` being the argument whose shape
 * decides: shapes of different ranks that clash raise jnp's ValueError, equal ranks lax's TypeError.
 * An unknown dim takes the other's size unless that is 1.
 */
function broadcastShapes(op: 'mul' | 'add', a: Shape, b: Shape, name: string, received = b): Shape {
  const rank = Math.max(a.length, b.length);
  const pad = (s: Shape): Shape => [...Array<number>(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(a), pad(b)];
  return pa.map((p, i) => {
    const q = pb[i];
    if (p === 1 || p === q) return q;
    if (q === 1) return p;
    if (p === null || q === null) return p ?? q;
    const ErrorClass = a.length === b.length ? KerasTypeError : KerasValueError;
    throw new ErrorClass(
      `Argument \`${name}\` does not broadcast: ${op} got incompatible shapes ${formatShape(a)} and ${formatShape(b)}. ` +
        `Received: ${name}.shape=${formatShape(received)}`,
    );
  });
}

function resolveRmsNormalization(x: Spec, scale: Spec | null, v: Record<string, unknown>): { attrs: RmsNormalizationAttrs; out: Spec } {
  const shape = x.shape.length === 0 ? [1] : [...x.shape];
  // jnp.mean indexes the shape with each axis before it looks for repeats.
  const axes = reductionAxes(sortedAxis(v.axis), shape.length, 'axis', tupleIndexError);
  const epsilon = resolveEpsilon(v.epsilon);
  const out = scale ? broadcastShapes('mul', shape, scale.shape, 'scale') : shape;
  return { attrs: { axes, epsilon }, out: { shape: out, dtype: x.dtype } };
}

/**
 * Keras reshapes gamma and beta to x's rank (x's size on the axes, 1 elsewhere) unless they have x's rank
 * already or `axis` is exactly [rank - 1] (a negative -1 does not count): then they broadcast as given.
 */
function layerNormShape(name: string, spec: Spec | null, x: Shape, sortedAxes: number[], axes: number[]): Shape | null {
  if (spec === null) return null;
  const rank = x.length;
  if (spec.shape.length === rank || (sortedAxes.length === 1 && sortedAxes[0] === rank - 1)) return spec.shape;
  const target = x.map((d, i) => (axes.includes(i) ? d : 1));
  const [size, want] = [sizeOf(spec.shape), sizeOf(target)];
  if (size !== null && want !== null && size !== want) {
    // JAX's reshape raises TypeError ("cannot reshape array of shape (3,) (size 3) into shape [1, 4] (size 4)").
    throw new KerasTypeError(
      `Argument \`${name}\` must hold ${want} elements: Keras reshapes it to ${formatList(target)} unless it has x's rank ` +
        `or axis is [${rank - 1}]. Received: ${name}.shape=${formatShape(spec.shape)}`,
    );
  }
  return target;
}

/** Keras's order: the axes, gamma's and beta's reshapes, epsilon, then inv * gamma, -mean * inv + beta, x * inv + that. */
function resolveLayerNormalization(
  t: Record<'x' | 'gamma' | 'beta', Spec | null>,
  v: Record<string, unknown>,
): { attrs: LayerNormalizationAttrs; out: Spec } {
  const x = t.x as Spec;
  const axis = sortedAxis(v.axis);
  if (!Array.isArray(axis) && !isPythonInt(axis)) {
    // Keras runs sorted() on it: None and floats are not iterable.
    throw new KerasTypeError(`Argument \`axis\` must be an int or a tuple of ints. Received: axis=${formatValue(v.axis)}`);
  }
  const sorted = Array.isArray(axis) ? (axis as number[]) : [axis as number];
  // Keras indexes x.shape with each axis in Python (IndexError), then jnp.mean finds repeats.
  const axes = reductionAxes(sorted, x.shape.length, 'axis', tupleIndexError);
  const gamma = layerNormShape('gamma', t.gamma, x.shape, sorted, axes);
  const beta = layerNormShape('beta', t.beta, x.shape, sorted, axes);
  const epsilon = resolveEpsilon(v.epsilon);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const inv = gamma ? broadcastShapes('mul', kept, gamma, 'gamma', (t.gamma as Spec).shape) : kept;
  const res = beta ? broadcastShapes('add', inv, beta, 'beta', (t.beta as Spec).shape) : inv;
  const scaled = broadcastShapes('mul', x.shape, inv, 'gamma', t.gamma?.shape ?? []);
  const shape = broadcastShapes('add', scaled, res, 'beta', t.beta?.shape ?? []);
  // Eager shapes are known; under ops.outputSpec the attributes go nowhere.
  const attrs = { axes, epsilon, gammaShape: gamma as number[] | null, betaShape: beta as number[] | null };
  return { attrs, out: { shape, dtype: x.dtype } };
}

export const normalization = {
  moments: defineOp<MomentsAttrs, 'x', never, 2>({
    params: [tensor('x'), arg('axes'), kwarg('keepdims', false), kwarg('synchronized', false)],
    outputs: 2,
    resolve: ({ t, v }) => resolveMoments(t.x, v),
  }),
  batch_normalization: defineOp<BatchNormalizationAttrs, 'x' | 'mean' | 'variance', 'offset' | 'scale'>({
    params: [tensor('x'), tensor('mean'), tensor('variance'), arg('axis'), optionalTensor('offset'), optionalTensor('scale'), kwarg('epsilon', 1e-3)],
    outputs: 1,
    resolve: ({ t, v, mode }) => resolveBatchNormalization(t, v, mode === 'symbolic'),
  }),
  normalize: defineOp<NormalizeAttrs, 'x'>({
    params: [tensor('x'), kwarg('axis', -1), kwarg('order', 2), kwarg('epsilon', null)],
    outputs: 1,
    resolve: ({ t, v }) => resolveNormalize(t.x, v),
  }),
  // keras-team/keras#20911 (3.9). #21438 (3.11) made scale's default None (it was 1) and kept int and bool
  // dtypes (computed in float32, cast back); #22296 (3.14) sorts a tuple axis.
  rms_normalization: introduced(
    '3.9',
    defineOp<RmsNormalizationAttrs, 'x', 'scale'>({
      params: [tensor('x'), optionalTensor('scale'), kwarg('axis', -1), kwarg('epsilon', null)],
      outputs: 1,
      resolve: ({ t, v }) => resolveRmsNormalization(t.x, t.scale, v),
    }),
  ),
  // keras-team/keras#21327 (3.11), reworked by #21438 in the same release; #22296 (3.14) sorts a tuple
  // axis. The deprecated `rms_scaling` keyword is not taken (docs/deviations.md).
  layer_normalization: introduced(
    '3.11',
    defineOp<LayerNormalizationAttrs, 'x', 'gamma' | 'beta'>({
      params: [tensor('x'), optionalTensor('gamma'), optionalTensor('beta'), kwarg('axis', -1), kwarg('epsilon', null)],
      outputs: 1,
      resolve: ({ t, v }) => resolveLayerNormalization(t, v),
    }),
  ),
};
