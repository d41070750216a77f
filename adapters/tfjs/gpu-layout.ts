/**
 * Layout and dtype ops composed where TF.js 4.22's backends fail or crawl (quirks.ts says where and why);
 * elsewhere each function is the TF.js op itself:
 * - pad, reverse and where past rank 4 (gpuRankLimit), on every backend: concatenated filled blocks axis
 *   by axis, a gather by reversed indices per axis, and a select of the broadcast, flattened operands;
 *   where on wasm too, whose Tile (tf.where's own broadcast) is a scalar loop (tileIsScalarLoop).
 *   And a where whose result is empty is made directly: tf.where's broadcastTo leaves a size-1 operand
 *   as it is against a 0 dim, which tensorflow's Select rejects ("must have the same size and shape").
 * - int32 and bool transposes, reductions over leading axes and casts to float32 (intLayoutBroken): a
 *   gather by the permuted flat indices (computed on the host from the shape, not the data), a transpose
 *   here that moves the reduced axes last, and a multiply by 1 (as for cpu's cast to float32,
 *   castToFloatRelabels).
 * - cast to bool on every backend as a comparison with 0: wasm's Cast keeps the low byte (256 and 0.5
 *   become false).
 */
import * as tf from '@tensorflow/tfjs-core';
import { quirk } from './quirks.js';

const GPU_MAX_RANK = 4;

export function cast(x: tf.Tensor, dtype: tf.DataType): tf.Tensor {
  if (x.dtype === dtype) return x;
  if (dtype === 'bool') return tf.notEqual(x, 0);
  if (dtype === 'float32' && (quirk.castToFloatRelabels() || quirk.intLayoutBroken())) return tf.mul(tf.cast(x, dtype), tf.scalar(1));
  return tf.cast(x, dtype);
}

export function pad(x: tf.Tensor, paddings: readonly (readonly [number, number])[], value = 0): tf.Tensor {
  if (x.rank <= GPU_MAX_RANK) return tf.pad(x, paddings as [number, number][], value);
  let y = x;
  paddings.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const block = (n: number) => tf.fill(y.shape.map((d, a) => (a === axis ? n : d)), value, y.dtype);
    y = tf.concat([...(before > 0 ? [block(before)] : []), y, ...(after > 0 ? [block(after)] : [])], axis);
  });
  return y;
}

export function reverse(x: tf.Tensor, axes: readonly number[]): tf.Tensor {
  if (x.rank <= GPU_MAX_RANK) return tf.reverse(x, axes as number[]);
  return axes.reduce((y, axis) => tf.gather(y, tf.range(y.shape[axis] - 1, -1, -1, 'int32'), axis), x);
}

export function where(condition: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { assertAndGetBroadcastShape: broadcast } = tf.backend_util;
  const shape = broadcast(condition.shape, broadcast(a.shape, b.shape));
  if (shape.includes(0)) return tf.zeros(shape, a.dtype);
  if (shape.length <= GPU_MAX_RANK && !quirk.tileIsScalarLoop()) return tf.where(condition, a, b);
  const flat = (t: tf.Tensor) => tf.reshape(spread(t, shape), [-1]);
  return tf.reshape(tf.where(flat(condition), flat(a), flat(b)), shape);
}

/**
 * `t` broadcast to `shape` by an elementwise op with ones, which keeps NaN, infinities and -0.
 * (tf.broadcastTo tiles, and webgpu tiles rank 5 on the CPU through a synchronous read.)
 */
function spread(t: tf.Tensor, shape: number[]): tf.Tensor {
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  const ones = tf.ones(shape, t.dtype);
  return t.dtype === 'bool' ? tf.logicalAnd(t, ones) : tf.mul(t, ones);
}

export function transpose(x: tf.Tensor, perm: readonly number[]): tf.Tensor {
  if (x.dtype === 'float32' || !quirk.intLayoutBroken() || perm.every((p, i) => p === i)) {
    return tf.transpose(x, perm as number[]);
  }
  const outShape = perm.map((p) => x.shape[p]);
  const source = permutedIndices(x.shape, perm);
  return tf.reshape(tf.gather(tf.reshape(x, [-1]), tf.tensor1d(source, 'int32')), outShape);
}

type Reduction = (x: tf.Tensor, axes: number | number[] | undefined, keepDims: boolean) => tf.Tensor;

/** `reduce` (tf.max, tf.sum...) over `axes` (default: all). */
export function reduceOver(x: tf.Tensor, axes: number | number[] | undefined, keepDims: boolean, reduce: Reduction): tf.Tensor {
  const rank = x.rank;
  const reduced = [...new Set(axes === undefined ? x.shape.map((_, a) => a) : [axes].flat().map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  const trailing = reduced.every((a, i) => a === rank - reduced.length + i);
  if (x.dtype === 'float32' || !quirk.intLayoutBroken() || trailing) return reduce(x, axes, keepDims);
  const kept = x.shape.map((_, a) => a).filter((a) => !reduced.includes(a));
  const result = reduce(transpose(x, [...kept, ...reduced]), reduced.map((_, i) => kept.length + i), false);
  return keepDims ? tf.reshape(result, x.shape.map((d, a) => (reduced.includes(a) ? 1 : d))) : result;
}

/** For each element of the transposed tensor, in row-major order, its flat index in the input. */
function permutedIndices(shape: readonly number[], perm: readonly number[]): Int32Array {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, n) => p * n, 1));
  const outShape = perm.map((p) => shape[p]);
  const size = outShape.reduce((p, n) => p * n, 1);
  const source = new Int32Array(size);
  const index = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < size; i++) {
    source[i] = index.reduce((flat, v, d) => flat + v * strides[perm[d]], 0);
    for (let d = outShape.length - 1; d >= 0 && ++index[d] === outShape[d]; d--) index[d] = 0;
  }
  return source;
}
