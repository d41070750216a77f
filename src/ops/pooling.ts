/**
 * Pooling: max_pool and average_pool, and from Keras 3.13 adaptive_max_pool and adaptive_average_pool;
 * 1-D to 3-D, either data_format.
 */
import { formatNumpy, formatShape, formatValue, plural } from '../format.js';
import type { DType, Spec } from '../dtypes.js';
import { KerasIndexError, KerasTypeError, KerasValueError, KerasZeroDivisionError } from '../errors.js';
import {
  checkDtype,
  checkRank,
  isInt,
  isPadding,
  lowerPadding,
  spatialTuple,
  standardizeDataFormat,
  type DataFormat,
  type Padding,
} from './args.js';
import { arg, defineOp, introduced, kwarg, tensor, type BehaviourChange, type CallArgs, type Mode } from './op.js';
import { type Dim, joinChannels, splitChannels, windowOutputLength } from './shapes.js';

export type PoolAttrs = {
  /** One entry per spatial dim, as are `strides`. */
  poolSize: number[];
  strides: number[];
  padding: Padding;
  dataFormat: DataFormat;
};

type Kind = 'max' | 'average';

const poolParams = [tensor('inputs'), arg('pool_size'), kwarg('strides', null), kwarg('padding', 'valid'), kwarg('data_format', null)];

/**
 * Keras checks padding in two places with two wordings: the JAX backend when eager
 * (backend/jax/nn.py _pool), operation_utils.compute_pooling_output_shape when symbolic.
 */
function checkPadding(padding: string, mode: Mode): Padding {
  if (isPadding(padding)) return padding;
  throw new KerasValueError(
    mode === 'eager'
      ? `Invalid padding '${padding}', must be 'same' or 'valid'.`
      : `Argument \`padding\` must be either 'valid' or 'same'. Received: padding=${padding}`,
  );
}

/**
 * compute_pooling_output_shape overwrites unknown spatial dims with -1 in place, through a view of
 * the shape array it later prints, so they show as -1 while an unknown batch or channel dim shows None.
 */
function shownShape(shape: Dim[], spatialAxes: number[]): string {
  const shown = shape.map((d, i) => (d === null && spatialAxes.includes(i) ? -1 : d));
  return formatNumpy(shown, shape.includes(null));
}

/** Keras's symbolic check of a 'valid' output size: below zero until 3.14, zero too from 3.15. */
function outputSizeError(args: CallArgs<'inputs', never>, spatialAxes: number[], zeroRaises: boolean): KerasValueError {
  const { pool_size: poolSize, strides } = args.v;
  const pool = Array.isArray(poolSize) ? formatNumpy(poolSize as number[], false) : String(poolSize);
  const shape = shownShape(args.t.inputs.shape, spatialAxes);
  if (!zeroRaises) {
    return new KerasValueError(`Computed output size would be negative. Received: \`inputs.shape=${shape}\` and \`pool_size=${pool}\`.`);
  }
  // strides is printed as passed, pool_size's value when it is None.
  return new KerasValueError(
    'Computed output size would be zero or negative. ' +
      `Received: \`inputs.shape=${shape}\`, \`pool_size=${pool}\`, \`strides=${formatValue(strides ?? poolSize)}\`, \`padding=valid\`.`,
  );
}

/**
 * JAX gives an empty dim where a 'valid' window does not fit; Keras's symbolic spec raises below zero,
 * and from 3.15 at zero too (pool_size_exceeds_input).
 */
function outputLengths(args: CallArgs<'inputs', never>, attrs: PoolAttrs): Dim[] {
  const shape = args.t.inputs.shape;
  const { spatial } = splitChannels(shape, attrs.dataFormat);
  const first = attrs.dataFormat === 'channels_last' ? 1 : 2;
  const zeroRaises = args.changed('pool_size_exceeds_input');
  return spatial.map((n, i) => {
    const len = windowOutputLength(n, attrs.poolSize[i], attrs.strides[i], 1, attrs.padding);
    if (len === null) return len;
    if (args.mode === 'symbolic' && (len < 0 || (zeroRaises && len === 0))) {
      throw outputSizeError(args, spatial.map((_, j) => first + j), zeroRaises);
    }
    return Math.max(len, 0);
  });
}

/**
 * Int inputs: JAX's max keeps int32 (and bool), its average divides an int sum, giving float32.
 * Keras's symbolic spec says inputs.dtype for both; we give what the eager call returns. JAX cannot
 * sum bools, so average_pool rejects them.
 */
function outputDtype(kind: Kind, dtype: DType): DType {
  return kind === 'max' ? dtype : 'float32';
}

function checkIntOrTuple(value: unknown, nd: number, name: string): void {
  if (!isInt(value) && !Array.isArray(value)) spatialTuple(value, nd, name, KerasTypeError);
}

function resolvePool(kind: Kind, args: CallArgs<'inputs', never>) {
  const { t, v, mode } = args;
  const dataFormat = standardizeDataFormat(v.data_format);
  const lowered = lowerPadding(v.padding);
  // JAX pools any rank >= 2; Keras documents 1-D to 3-D and TF supports only those.
  // lax.reduce_window raises TypeError for a rank, window or stride it cannot use.
  checkRank(t.inputs, [3, 4, 5], 'inputs', KerasTypeError);
  const nd = t.inputs.shape.length - 2;
  const eager = mode === 'eager';
  if (kind === 'average' && !eager) checkDtype(t.inputs, ['float32', 'int32'], 'inputs');
  // Eager Keras-JAX pads pool_size and strides with (1,) on each side (a TypeError for what is not an
  // int or a tuple), then checks the padding name, then lax.reduce_window the lengths, signs and dtype.
  if (eager) [v.pool_size, v.strides ?? 1].forEach((value, i) => checkIntOrTuple(value, nd, i ? 'strides' : 'pool_size'));
  const padding = eager ? checkPadding(lowered, mode) : undefined;
  // A tuple of the wrong length: 'same' fails first in numpy, computing the pads (ValueError), 'valid' in
  // lax.reduce_window (TypeError).
  const lengthError = lowered === 'same' ? KerasValueError : KerasTypeError;
  const poolSize = spatialTuple(v.pool_size, nd, 'pool_size', KerasTypeError, lengthError);
  const strides = v.strides === null ? poolSize : spatialTuple(v.strides, nd, 'strides', KerasTypeError, lengthError);
  if (kind === 'average' && eager) checkDtype(t.inputs, ['float32', 'int32'], 'inputs');
  const attrs: PoolAttrs = { poolSize, strides, padding: padding ?? checkPadding(lowered, mode), dataFormat };
  const { channels } = splitChannels(t.inputs.shape, dataFormat);
  const shape = joinChannels(t.inputs.shape[0], outputLengths(args, attrs), channels, dataFormat);
  return { attrs, out: { shape, dtype: outputDtype(kind, t.inputs.dtype) } };
}

const poolChanges: Record<string, BehaviourChange> = {
  pool_size_exceeds_input: {
    since: '3.15',
    pr: 'keras-team/keras#22919',
    what:
      "ops.outputSpec raises ValueError when a 'valid' window is wider than the input (an output size of 0, " +
      'not only below 0): "Computed output size would be zero or negative. Received: `inputs.shape=...`, ' +
      '`pool_size=...`, `strides=...`, `padding=valid`."; eager calls still return an empty dim.',
  },
};

export type AdaptivePoolAttrs = {
  /** One entry per spatial dim. */
  outputSize: number[];
  dataFormat: DataFormat;
};

/** One output cell's window along one spatial dim. */
export interface AdaptiveWindow {
  start: number;
  size: number;
  /** False where the window runs past the input: JAX's jnp.take then fills (NaN, INT32_MIN or True). */
  inside: boolean;
}

/**
 * The windows Keras-JAX's adaptive pools read along a dim of n cells pooled to `out`
 * (keras/src/backend/jax/nn.py _compute_adaptive_pooling_gather_indices, 3.13+). They are PyTorch's
 * floor(i*n/out) to ceil((i+1)*n/out), but computed in float32, and XLA turns the division by the
 * constant `out` into a product with its float32 reciprocal, which can round an end up a cell (n=7,
 * out=14: 42 * fround(1/14) = 3.0000002). A window of ceil(n/out) + 1 cells takes the "big" pool, any
 * other the "small" one of ceil(n/out) cells from its start, even where its true size differs; a
 * window that does not fit is out of the gather's range.
 */
export function adaptiveWindows(n: number, out: number): AdaptiveWindow[] {
  const small = Math.ceil(n / out);
  const reciprocal = Math.fround(1 / out);
  const at = (i: number) => Math.fround(Math.fround(Math.imul(i, n)) * reciprocal);
  return Array.from({ length: out }, (_, i) => {
    const start = Math.floor(at(i));
    const size = Math.ceil(at(i + 1)) - start === small + 1 ? small + 1 : small;
    return { start, size, inside: start + size <= n };
  });
}

/**
 * Whether jax.vjp of average_pool divides the cotangent by its divisor as XLA (JAX 0.10, Keras 3.15)
 * divides by a broadcast divisor, times its float32 reciprocal. The divisor is 'valid''s number, or
 * 'same''s window counts, a reduce_window over ones of size 1 along each dim the window does not span
 * (batch, channels, a spatial dim of pool size 1); it is broadcast where the output is longer than 1
 * along a dim the divisor is 1 along (a one-element output divides). JAX 0.4.34 (Keras 3.6) divides, one
 * rounding away; the adapters never see the version and take JAX 0.10's.
 */
export function dividesByReciprocal(outShape: readonly number[], attrs: PoolAttrs): boolean {
  const first = attrs.dataFormat === 'channels_last' ? 1 : 2;
  const counted = (a: number) => attrs.padding === 'same' && a >= first && attrs.poolSize[a - first] > 1;
  return outShape.some((n, a) => n > 1 && !counted(a));
}

const adaptiveParams = [tensor('inputs'), arg('output_size'), kwarg('data_format', null)];

/**
 * The JAX backend takes an int for every spatial dim, or unpacks a tuple into them (the wrong length
 * is Python's ValueError); 1-D reads output_size[0], so it ignores extra entries, and () is an IndexError.
 */
function outputSizeEntries(value: unknown, nd: number): unknown[] {
  if (isInt(value)) return Array<number>(nd).fill(value);
  const shown = formatValue(value);
  const want = `Argument \`output_size\` must be an int or a tuple of ${plural(nd, 'int')}`;
  if (!Array.isArray(value)) throw new KerasTypeError(`${want}. Received: output_size=${shown}`);
  if (nd === 1 && value.length === 0) throw new KerasIndexError(`${want}, not empty. Received: output_size=${shown}`);
  if (nd > 1 && value.length !== nd) throw new KerasValueError(`${want} (one per spatial dimension). Received: output_size=${shown}`);
  return value.slice(0, nd);
}

/**
 * Dim by dim, as Keras-JAX computes the window sizes: ceil(n / size) fails for a size that is not a
 * number (TypeError) or 0. A float size passes in Keras and pools to ceil(size) cells by odd windows;
 * here it is a TypeError (docs/deviations.md).
 */
function outputSizes(value: unknown, nd: number): number[] {
  return outputSizeEntries(value, nd).map((size) => {
    if (!isInt(size)) {
      throw new KerasTypeError(`Argument \`output_size\` must be an int or a tuple of ints. Received: output_size=${formatValue(value)}`);
    }
    if (size === 0) {
      throw new KerasZeroDivisionError(`Argument \`output_size\` must not be 0 (division by zero). Received: output_size=${formatValue(value)}`);
    }
    return size;
  });
}

/**
 * lax.reduce_window rejects the first window of ceil(n / size) <= 0 cells, dim by dim: a negative size,
 * or an empty spatial dim (an unknown one may be anything).
 */
function checkWindows(inputs: Spec, spatial: Dim[], sizes: number[], value: unknown): void {
  sizes.forEach((size, d) => {
    if (size < 0) throw new KerasTypeError(`Argument \`output_size\` must be positive. Received: output_size=${formatValue(value)}`);
    if (spatial[d] === 0) {
      throw new KerasTypeError(`Argument \`inputs\` must have non-empty spatial dimensions. Received: inputs.shape=${formatShape(inputs.shape)}`);
    }
  });
}

/**
 * Keras's symbolic spec keeps the input dtype, fails for an int output_size and misplaces the
 * channels_last dims; the eager call is followed instead (docs/deviations.md). Its checks come in the
 * order of the eager JAX path: data_format, rank, output_size, then per dim the windows; the sum of
 * bools (average) fails before the first window is checked.
 */
function resolveAdaptive(kind: Kind, { t, v }: CallArgs<'inputs', never>) {
  const dataFormat = standardizeDataFormat(v.data_format);
  const rank = t.inputs.shape.length;
  if (rank < 3 || rank > 5) throw new KerasValueError(`adaptive_${kind}_pool supports only 1D/2D/3D inputs`);
  const outputSize = outputSizes(v.output_size, rank - 2);
  if (kind === 'average') checkDtype(t.inputs, ['float32', 'int32'], 'inputs');
  const { spatial, channels } = splitChannels(t.inputs.shape, dataFormat);
  checkWindows(t.inputs, spatial, outputSize, v.output_size);
  const attrs: AdaptivePoolAttrs = { outputSize, dataFormat };
  const shape = joinChannels(t.inputs.shape[0], outputSize, channels, dataFormat);
  return { attrs, out: { shape, dtype: outputDtype(kind, t.inputs.dtype) } };
}

const pool = (kind: Kind) =>
  defineOp<PoolAttrs, 'inputs'>({ params: poolParams, changes: poolChanges, outputs: 1, resolve: (a) => resolvePool(kind, a) });

const adaptivePool = (kind: Kind) =>
  defineOp<AdaptivePoolAttrs, 'inputs'>({ params: adaptiveParams, outputs: 1, resolve: (a) => resolveAdaptive(kind, a) });

export const pooling = {
  max_pool: pool('max'),
  average_pool: pool('average'),
  adaptive_max_pool: introduced('3.13', adaptivePool('max')), // keras-team/keras#21820
  adaptive_average_pool: introduced('3.13', adaptivePool('average')), // keras-team/keras#21820
};
