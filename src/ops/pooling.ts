/** Pooling: max_pool and average_pool, 1-D to 3-D, either data_format. */
import { formatNumpy } from '../format.js';
import type { DType } from '../dtypes.js';
import { KerasTypeError, KerasValueError } from '../errors.js';
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
import { arg, defineOp, kwarg, tensor, type CallArgs, type Mode } from './op.js';
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
function negativeSizeError(shape: Dim[], spatialAxes: number[], poolSize: unknown): KerasValueError {
  const shown = shape.map((d, i) => (d === null && spatialAxes.includes(i) ? -1 : d));
  const pool = Array.isArray(poolSize) ? formatNumpy(poolSize as number[], false) : String(poolSize);
  return new KerasValueError(
    'Computed output size would be negative. Received: ' +
      `\`inputs.shape=${formatNumpy(shown, shape.includes(null))}\` and \`pool_size=${pool}\`.`,
  );
}

/** JAX gives an empty dim where a 'valid' window does not fit; Keras's symbolic spec raises below zero. */
function outputLengths(args: CallArgs<'inputs', never>, attrs: PoolAttrs): Dim[] {
  const shape = args.t.inputs.shape;
  const { spatial } = splitChannels(shape, attrs.dataFormat);
  const first = attrs.dataFormat === 'channels_last' ? 1 : 2;
  return spatial.map((n, i) => {
    const len = windowOutputLength(n, attrs.poolSize[i], attrs.strides[i], 1, attrs.padding);
    if (len === null || len >= 0) return len;
    if (args.mode === 'symbolic') {
      throw negativeSizeError(shape, spatial.map((_, j) => first + j), args.v.pool_size);
    }
    return 0;
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

export const pooling = {
  max_pool: defineOp<PoolAttrs, 'inputs'>({ params: poolParams, outputs: 1, resolve: (a) => resolvePool('max', a) }),
  average_pool: defineOp<PoolAttrs, 'inputs'>({ params: poolParams, outputs: 1, resolve: (a) => resolvePool('average', a) }),
};
