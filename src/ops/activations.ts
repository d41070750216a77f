/**
 * Activations: elementwise ops, plus softmax and log_softmax over an axis, a tuple of axes or all; from
 * Keras 3.7 on, glu (halves of an axis) and sparsemax (over an axis) too.
 */
import { formatShape, formatValue } from '../format.js';
import type { Spec } from '../dtypes.js';
import { type DType } from '../dtypes.js';
import { KerasIndexError, KerasTypeError, KerasValueError, KerasZeroDivisionError } from '../errors.js';
import { axisError, checkBool, checkNumber, isInt, normalizeAxis, tupleIndexError, type AxisErrorFactory } from './args.js';
import { arg, camelCase, defineOp, introduced, kwarg, tensor, type BehaviourChange, type Mode, type OpDef, type ParamDef } from './op.js';

/**
 * What int32 and bool inputs give. Keras's symbolic spec says "x.dtype" for all; its eager JAX path
 * keeps int32 for relu and hard_tanh ('keep', bool becoming int32) and promotes to float32 elsewhere
 * ('float'). JAX rejects ints in sigmoid, silu and glu; JavaScript cannot tell 1.0 from 1, so `[0, 1]`
 * infers int32 and we promote there too (docs/deviations.md). A bool is never a number literal: where
 * JAX rejects it, `boolError` holds JAX's message.
 */
type IntRule = 'keep' | 'float';

function outputDtype(x: Spec, rule: IntRule, boolError?: string): DType {
  if (x.dtype === 'float32') return 'float32';
  if (x.dtype === 'bool' && boolError) throw new KerasTypeError(boolError);
  return rule === 'keep' ? 'int32' : 'float32';
}

const LOGISTIC_BOOL = 'logistic does not accept dtype bool. Accepted dtypes are subtypes of floating, complexfloating.';
const NEG_BOOL = 'neg does not accept dtype bool. Accepted dtypes are subtypes of integer, complexfloating, floating.';
const SUB_BOOL =
  'sub does not accept dtype bool at position 0. Accepted dtypes at position 0 are subtypes of integer, complexfloating, floating.';

/** An elementwise activation; `keywords` are its Keras keyword parameters, checked as numbers or bools. */
function elementwise<A extends object = Record<string, never>, N extends string = never>(
  rule: IntRule,
  keywords: ParamDef[] = [],
  aliases: readonly N[] = [],
  boolError?: string,
) {
  return defineOp<A, 'x'>({
    params: [tensor('x'), ...keywords],
    aliases,
    outputs: 1,
    resolve: ({ t, v }) => {
      const attrs: Record<string, unknown> = {};
      for (const p of keywords) {
        attrs[camelCase(p.name)] =
          typeof p.default === 'boolean' ? checkBool(v[p.name], p.name) : checkNumber(v[p.name], p.name);
      }
      return { attrs: attrs as A, out: { shape: t.x.shape, dtype: outputDtype(t.x, rule, boolError) } };
    },
  }) as Omit<OpDef<A, 'x'>, 'aliases'> & { aliases: readonly N[] };
}

export type SoftmaxAttrs = {
  /** The axes to reduce over, normalised and sorted; every axis for axis=None. */
  axes: number[];
};

/**
 * softmax and log_softmax: an int axis, a tuple of axes (a joint softmax over them) or None (all).
 * Keras builds a transpose permutation from a tuple without normalising it, so negative or repeated
 * entries fail there; we raise the same TypeError.
 */
function softmaxLike(seedOutOfRange: AxisErrorFactory, changes: Readonly<Record<string, BehaviourChange>>) {
  return defineOp<SoftmaxAttrs, 'x'>({
    params: [tensor('x'), kwarg('axis', -1)],
    changes,
    outputs: 1,
    resolve: ({ t, v, mode, changed }) => {
      if (mode === 'symbolic' && changed('axisSpec')) canonicalizeAxes(v.axis, t.x.shape.length);
      const outOfRange = 'axisRange' in changes && changed('axisRange') ? axisError : seedOutOfRange;
      const axes = resolveSoftmaxAxes(v.axis, t.x.shape, outOfRange);
      if (mode === 'eager' && Array.isArray(v.axis)) checkKeptDims(t.x.shape, axes);
      return { attrs: { axes }, out: { shape: t.x.shape, dtype: outputDtype(t.x, 'float', SUB_BOOL) } };
    },
  });
}

/** Keras's canonicalize_axes in a symbolic spec (Keras 3.15): every int axis within [-rank, rank). */
function canonicalizeAxes(axis: unknown, rank: number): void {
  for (const a of [axis].flat()) {
    if (isInt(a) && (a < -rank || a >= rank)) {
      throw new KerasValueError(`axis ${a} is out of bounds for an array with dimension ${rank}.`);
    }
  }
}

/**
 * Eager Keras reshapes x to (*kept dims, -1) for a tuple of axes; JAX cannot infer the -1 when a kept
 * dim is 0 and raises (found by `keras-parity fuzz`, golden case softmax/found-empty-tuple-axis).
 */
function checkKeptDims(shape: (number | null)[], axes: number[]): void {
  if (shape.some((d, i) => d === 0 && !axes.includes(i))) throw new KerasZeroDivisionError('integer modulo by zero');
}

function resolveSoftmaxAxes(axis: unknown, shape: (number | null)[], outOfRange: AxisErrorFactory): number[] {
  const rank = shape.length;
  if (axis === null) return [...Array(rank).keys()];
  if (isInt(axis)) return [normalizeAxis(axis, rank, 'axis', outOfRange)];
  if (Array.isArray(axis) && axis.every(isInt)) {
    const past = axis.find((a) => a >= rank);
    if (past !== undefined) throw axisError(past, rank);
    const kept = [...Array(rank).keys()].filter((d) => !axis.includes(d));
    const perm = [...kept, ...axis];
    const valid = perm.length === rank && new Set(perm).size === rank && perm.every((d) => d >= 0 && d < rank);
    if (!valid) {
      throw new KerasTypeError(
        "transpose permutation isn't a permutation of operand dimensions, got permutation " +
          `${formatShape(perm.map((d) => (d < 0 ? d + rank : d)))} for operand shape ${formatShape(shape)}.`,
      );
    }
    return [...axis].sort((a, b) => a - b);
  }
  throw new KerasTypeError(`Argument \`axis\` must be an int, a tuple of ints or None. Received: axis=${formatValue(axis)}`);
}

export type GluAttrs = {
  /** The split axis, normalised. */
  axis: number;
};

const listIndexError: AxisErrorFactory = () => new KerasIndexError('list index out of range');

/**
 * jax.nn.glu reads x.shape[axis] (a tuple: IndexError), asserts an even size, then splits; Keras's
 * symbolic spec indexes a list. The odd size raises Keras's own symbolic ValueError eagerly too, where
 * JAX's is a bare assertion (docs/deviations.md).
 */
const glu = defineOp<GluAttrs, 'x'>({
  params: [tensor('x'), kwarg('axis', -1)],
  outputs: 1,
  resolve: ({ t, v, mode }) => {
    const shape = t.x.shape;
    const axis = normalizeAxis(v.axis, shape.length, 'axis', mode === 'eager' ? tupleIndexError : listIndexError);
    const size = shape[axis];
    if (size !== null && size % 2 !== 0) {
      throw new KerasValueError(
        `axis size must be divisible by 2. Received: x.shape=${formatShape(shape)} with axis=${formatValue(v.axis)}`,
      );
    }
    const out = shape.map((d, i) => (i === axis && d !== null ? d / 2 : d));
    return { attrs: { axis }, out: { shape: out, dtype: outputDtype(t.x, 'float', LOGISTIC_BOOL) } };
  },
});

/** jnp.sort's axis check eagerly (numpy's AxisError), canonicalize_axis's wording symbolically. */
function sparsemaxAxis(axis: unknown, rank: number, mode: Mode): number {
  if (mode === 'eager') return normalizeAxis(axis, rank);
  const outOfRange: AxisErrorFactory = (a, r) => new KerasValueError(`axis ${a} is out of bounds for an array with dimension ${r}.`);
  return normalizeAxis(axis, rank, 'axis', outOfRange);
}

const sparsemax = defineOp<GluAttrs, 'x'>({
  params: [tensor('x'), kwarg('axis', -1)],
  outputs: 1,
  resolve: ({ t, v, mode }) => ({
    attrs: { axis: sparsemaxAxis(v.axis, t.x.shape.length, mode) },
    out: { shape: t.x.shape, dtype: outputDtype(t.x, 'float') },
  }),
});

const fitsInt32 = (v: number): boolean => isInt(v) && v >= -(2 ** 31) && v < 2 ** 31;

export type ThresholdAttrs = { threshold: number; defaultValue: number };

/**
 * jnp.where(x > threshold, x, default_value): an int32 or bool x stays an integer (int32) with a
 * Python-int default_value and becomes float32 with a float one. A JavaScript number cannot say which:
 * an integer default_value that fits int32 counts as an int (docs/deviations.md).
 */
const threshold = defineOp<ThresholdAttrs, 'x'>({
  params: [tensor('x'), arg('threshold'), arg('default_value')],
  outputs: 1,
  resolve: ({ t, v }) => {
    const attrs = {
      threshold: checkNumber(v.threshold, 'threshold'),
      defaultValue: checkNumber(v.default_value, 'default_value'),
    };
    const keepsInt = t.x.dtype !== 'float32' && fitsInt32(attrs.defaultValue);
    return { attrs, out: { shape: t.x.shape, dtype: keepsInt ? 'int32' : 'float32' } };
  },
});

export const activations = {
  relu: elementwise('keep'),
  relu6: elementwise('float'),
  sigmoid: elementwise('float', [], [], LOGISTIC_BOOL),
  softplus: elementwise('float'),
  softsign: elementwise('float'),
  silu: elementwise('float', [], ['swish'] as const, LOGISTIC_BOOL),
  log_sigmoid: elementwise('float', [], [], NEG_BOOL),
  leaky_relu: elementwise<{ negativeSlope: number }>('float', [kwarg('negative_slope', 0.2)]),
  hard_sigmoid: elementwise('float'),
  hard_silu: elementwise('float', [], ['hard_swish'] as const),
  elu: elementwise<{ alpha: number }>('float', [kwarg('alpha', 1.0)]),
  selu: elementwise('float'),
  gelu: elementwise<{ approximate: boolean }>('float', [kwarg('approximate', true)]),
  // Keras 3.6's softmax reads x.shape[axis] in Python first (its size-1 warning): an IndexError; log_softmax does not.
  softmax: softmaxLike(tupleIndexError, {
    axisRange: { since: '3.15', pr: 'keras-team/keras#22963', what: "An int axis out of range raises JAX's ValueError (\"axis 3 is out of bounds for array of dimension 3\"): the size-1 warning no longer indexes x.shape with it." },
    axisSpec: { since: '3.15', pr: 'keras-team/keras#22963', what: 'ops.outputSpec checks the axis: "axis 3 is out of bounds for an array with dimension 3."' },
  }),
  log_softmax: softmaxLike(axisError, {
    axisSpec: { since: '3.15', pr: 'keras-team/keras#22708', what: 'ops.outputSpec checks the axis: "axis 3 is out of bounds for an array with dimension 3."' },
  }),
  celu: introduced('3.7', elementwise<{ alpha: number }>('float', [kwarg('alpha', 1.0)])), // keras-team/keras#20384
  glu: introduced('3.7', glu), // keras-team/keras#20392
  hard_shrink: introduced('3.7', elementwise<{ threshold: number }>('float', [kwarg('threshold', 0.5)])), // keras-team/keras#20470
  hard_tanh: introduced('3.7', elementwise('keep')), // keras-team/keras#20405
  soft_shrink: introduced('3.7', elementwise<{ threshold: number }>('float', [kwarg('threshold', 0.5)])), // keras-team/keras#20494
  squareplus: introduced('3.7', elementwise<{ b: number }>('float', [kwarg('b', 4)])), // keras-team/keras#20508
  tanh_shrink: introduced('3.7', elementwise('float')), // keras-team/keras#20480
  sparse_plus: introduced('3.8', elementwise('float')), // keras-team/keras#20545
  sparsemax: introduced('3.8', sparsemax), // keras-team/keras#20558
  threshold: introduced('3.8', threshold), // keras-team/keras#20555
  sparse_sigmoid: introduced('3.10', elementwise('float')), // keras-team/keras#21175
};
