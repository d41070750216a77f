/** Activations: elementwise ops, plus softmax and log_softmax over an axis, a tuple of axes or all. */
import { formatShape, formatValue } from '../format.js';
import type { Spec } from '../dtypes.js';
import { type DType } from '../dtypes.js';
import { KerasTypeError, KerasZeroDivisionError } from '../errors.js';
import { axisError, checkBool, checkNumber, isInt, normalizeAxis, tupleIndexError, type AxisErrorFactory } from './args.js';
import { camelCase, defineOp, kwarg, tensor, type OpDef, type ParamDef } from './op.js';

/**
 * What int32 and bool inputs give. Keras's symbolic spec says "x.dtype" for all; its eager JAX path
 * keeps int32 for relu only ('keep', bool becoming int32) and promotes to float32 elsewhere ('float').
 * JAX rejects ints in sigmoid and silu; JavaScript cannot tell 1.0 from 1, so `[0, 1]` infers int32
 * and we promote there too (docs/deviations.md). A bool is never a number literal: where JAX rejects
 * it, `boolError` holds JAX's message.
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
function softmaxLike(outOfRange: AxisErrorFactory) {
  return defineOp<SoftmaxAttrs, 'x'>({
    params: [tensor('x'), kwarg('axis', -1)],
    outputs: 1,
    resolve: ({ t, v, mode }) => {
      const axes = resolveSoftmaxAxes(v.axis, t.x.shape, outOfRange);
      if (mode === 'eager' && Array.isArray(v.axis)) checkKeptDims(t.x.shape, axes);
      return { attrs: { axes }, out: { shape: t.x.shape, dtype: outputDtype(t.x, 'float', SUB_BOOL) } };
    },
  });
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
  // softmax reads x.shape[axis] in Python first (its size-1 warning): an IndexError; log_softmax does not.
  softmax: softmaxLike(tupleIndexError),
  log_softmax: softmaxLike(axisError),
};
