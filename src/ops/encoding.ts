/** Encodings: one_hot and multi_hot. */
import { formatRepr, formatValue } from '../format.js';
import type { Spec } from '../dtypes.js';
import { standardizeDtype, type DType } from '../dtypes.js';
import { KerasTypeError, KerasValueError, UnsupportedError } from '../errors.js';
import { checkBool, checkDtype, isInt, isPythonInt, normalizeAxis } from './args.js';
import { arg, defineOp, kwarg, tensor, type BehaviourChange, type Mode } from './op.js';
import type { Dim } from './shapes.js';

export type OneHotAttrs = {
  numClasses: number;
  /** Where the class dim sits in the output, in [0, x.rank]. */
  axis: number;
};

export type MultiHotAttrs = OneHotAttrs & {
  /** The dim of the one-hot tensor that is max-reduced: 1, or 0 for inputs of rank <= 1. */
  reductionAxis: number;
};

function checkSparse(value: unknown, op: string): void {
  if (checkBool(value, 'sparse')) {
    throw new UnsupportedError(
      `Unsupported argument: sparse=True. keras-parity has no sparse tensors; ${op} returns a dense tensor with sparse=False.`,
    );
  }
}

/** Eager JAX accepts any Python int >= 0 (a bool included) and raises TypeError for the rest. */
function eagerNumClasses(value: unknown): number {
  if (isPythonInt(value) && Number(value) >= 0) return Number(value);
  throw new KerasTypeError(
    `Argument \`num_classes\` must be a non-negative integer. Received: num_classes=${formatValue(value)}`,
  );
}

/**
 * Eager: JAX inserts the class dim at any axis in [-(rank+1), rank], numpy's wording otherwise.
 * Symbolic: Keras's compute_output_spec allows only -1 and [0, rank).
 */
function classAxis(axis: unknown, rank: number, mode: Mode): number {
  if (mode === 'eager' || !isInt(axis)) return normalizeAxis(axis, rank + 1);
  if (axis === -1) return rank;
  if (axis >= 0 && axis < rank) return axis;
  throw new KerasValueError(`axis must be -1 or between [0, ${rank}), but received ${axis}.`);
}

function pyType(v: unknown): string {
  if (typeof v === 'number') return "<class 'float'>";
  if (typeof v === 'boolean') return "<class 'bool'>";
  return "<class 'str'>";
}

/**
 * The symbolic spec builds its shape with num_classes in it unchecked; Keras's standardize_shape
 * then rejects it (None is an unknown dim).
 */
function symbolicShape(dims: unknown[]): Dim[] {
  const shown = `(${dims.map(formatRepr).join(', ')}${dims.length === 1 ? ',' : ''})`;
  for (const d of dims) {
    if (d === null) continue;
    if (!isInt(d)) {
      throw new KerasValueError(
        `Cannot convert '${shown}' to a shape. Found invalid entry '${formatValue(d)}' of type '${pyType(d)}'. `,
      );
    }
    if (d < 0) throw new KerasValueError(`Cannot convert '${shown}' to a shape. Negative dimensions are not allowed.`);
  }
  return dims as Dim[];
}

/** num_classes of a type Keras would not even print in a shape: a clear error in both modes. */
function checkNumClassesType(value: unknown): void {
  if (value === null || ['number', 'boolean', 'string'].includes(typeof value)) return;
  throw new KerasTypeError(
    `Argument \`num_classes\` must be a non-negative integer. Received: num_classes=${formatValue(value)}`,
  );
}

/** Keras's standardize_dtype, in the op wrapper first from Keras 3.14 (keras-team/keras#22185). */
const KERAS_DTYPES = new Set([
  'bfloat16', 'bool', 'complex128', 'complex64', 'float16', 'float32', 'float64', 'float8_e4m3fn', 'float8_e5m2',
  'int16', 'int32', 'int64', 'int8', 'string', 'uint16', 'uint32', 'uint64', 'uint8',
]);

function kerasDtype(dtype: unknown): DType {
  if (dtype === null || dtype === 'int' || (typeof dtype === 'string' && KERAS_DTYPES.has(dtype))) return outputDtype(dtype, 'eager');
  throw new KerasValueError(`Invalid dtype: ${formatValue(dtype)}`);
}

/** dtype=None is floatx; the symbolic spec raises a ValueError for an unknown name, JAX a TypeError. */
function outputDtype(dtype: unknown, mode: Mode): DType {
  if (dtype === null) return 'float32';
  try {
    return standardizeDtype(dtype, 'dtype');
  } catch (e) {
    if (mode === 'symbolic' && e instanceof KerasTypeError) throw new KerasValueError(`Invalid dtype: ${formatValue(dtype)}`);
    throw e;
  }
}

function insertAt<T>(shape: readonly T[], axis: number, value: T): T[] {
  return [...shape.slice(0, axis), value, ...shape.slice(axis)];
}

function resolveOneHot(x: Spec, v: Readonly<Record<string, unknown>>, mode: Mode) {
  checkNumClassesType(v.num_classes);
  if (mode === 'eager') {
    const { numClasses, axis, dtype } = eagerClasses(v, x.shape.length);
    return finishOneHot(x, v, { numClasses, axis }, insertAt(x.shape, axis, numClasses), dtype);
  }
  const axis = classAxis(v.axis, x.shape.length, mode);
  const shape = symbolicShape(insertAt<unknown>(x.shape, axis, v.num_classes));
  return finishOneHot(x, v, { numClasses: 0, axis }, shape, outputDtype(v.dtype, mode));
}

/** jax.nn.one_hot's order: num_classes an int, the dtype, the axis, then num_classes >= 0 (its iota). */
function eagerClasses(v: Readonly<Record<string, unknown>>, rank: number) {
  if (!isPythonInt(v.num_classes)) eagerNumClasses(v.num_classes);
  const dtype = outputDtype(v.dtype, 'eager');
  const axis = classAxis(v.axis, rank, 'eager');
  return { numClasses: eagerNumClasses(v.num_classes), dtype, axis };
}

function finishOneHot(x: Spec, v: Readonly<Record<string, unknown>>, attrs: OneHotAttrs, shape: Dim[], dtype: DType) {
  // JAX compares x with arange(num_classes): float x works by equality, bool x has no arange.
  checkDtype(x, ['int32', 'float32'], 'x');
  checkSparse(v.sparse, 'one_hot');
  return { attrs, out: { shape, dtype } };
}

/**
 * max over dim 1 (dim 0 for rank <= 1) of one_hot(cast(inputs, int32), axis): Keras reduces there
 * whatever `axis` is. For a scalar input JAX reduces the class dim away and returns a scalar; Keras's
 * symbolic spec says (num_classes,) and inputs.dtype. We report the eager result in both modes.
 */
/** Keras's multi_hot wrapper checks this before it looks at the inputs. */
function checkNumClassesGiven(value: unknown): void {
  if (value === null) throw new KerasValueError('Argument `num_classes` must be specified.');
}

function resolveMultiHot(inputs: Spec, v: Readonly<Record<string, unknown>>, mode: Mode) {
  checkNumClassesGiven(v.num_classes);
  checkNumClassesType(v.num_classes);
  const rank = inputs.shape.length;
  const eager = mode === 'eager' ? eagerClasses(v, rank) : undefined;
  const axis = eager?.axis ?? classAxis(v.axis, rank, mode);
  const reductionAxis = rank > 1 ? 1 : 0;
  const numClasses = eager?.numClasses ?? 0;
  const oneHot = insertAt<unknown>(inputs.shape, axis, mode === 'eager' ? numClasses : v.num_classes);
  if (mode === 'eager' && oneHot[reductionAxis] === 0) {
    throw new KerasValueError('zero-size array to reduction operation max which has no identity');
  }
  const shape = symbolicShape(oneHot.filter((_, i) => i !== reductionAxis));
  const dtype = outputDtype(v.dtype, 'eager');
  checkSparse(v.sparse, 'multi_hot');
  return { attrs: { numClasses, axis, reductionAxis }, out: { shape, dtype } };
}

const STANDARDIZED_DTYPE: BehaviourChange = {
  since: '3.14',
  pr: 'keras-team/keras#22185',
  what: "`dtype` goes through Keras's standardize_dtype before anything else: an unknown name (or 'float') raises ValueError \"Invalid dtype: ...\" where JAX raised TypeError.",
};

// The inputs are cast to int32 first, so JAX's vjp sees no path from a float input to the output.
const NO_GRADIENT = 'its output depends on its inputs only through their integer class indices';

export const encoding = {
  one_hot: defineOp<OneHotAttrs, 'x'>({
    params: [tensor('x'), arg('num_classes'), kwarg('axis', -1), kwarg('dtype', null), kwarg('sparse', false)],
    changes: { standardizedDtype: STANDARDIZED_DTYPE },
    outputs: 1,
    noGradient: NO_GRADIENT,
    resolve: ({ t, v, mode, changed }) => {
      if (changed('standardizedDtype')) kerasDtype(v.dtype);
      return resolveOneHot(t.x, v, mode);
    },
  }),
  multi_hot: defineOp<MultiHotAttrs, 'inputs'>({
    params: [tensor('inputs'), kwarg('num_classes', null), kwarg('axis', -1), kwarg('dtype', null), kwarg('sparse', false)],
    legacyKeywords: { num_tokens: 'num_classes' },
    changes: { standardizedDtype: STANDARDIZED_DTYPE },
    outputs: 1,
    noGradient: NO_GRADIENT,
    checkFirst: (values) => checkNumClassesGiven(values.num_classes),
    resolve: ({ t, v, mode, changed }) => {
      if (changed('standardizedDtype')) kerasDtype(v.dtype);
      return resolveMultiHot(t.inputs, v, mode);
    },
  }),
};
