/**
 * Layout helpers the TF.js conv and pooling kernels share: channels-last views, strided cuts, the empty
 * output test.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DataFormat } from '../../src/ops/args.js';
import { pad, transpose } from './gpu-layout.js';
import { quirk } from './quirks.js';

/** (batch, channels, ...spatial) to (batch, ...spatial, channels); channels_last passes through. */
export function toChannelsLast(x: tf.Tensor, dataFormat: DataFormat): tf.Tensor {
  if (dataFormat === 'channels_last') return x;
  const rank = x.rank;
  return transpose(x, [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1]);
}

/** The inverse of toChannelsLast. */
export function fromChannelsLast(x: tf.Tensor, dataFormat: DataFormat): tf.Tensor {
  if (dataFormat === 'channels_last') return x;
  const rank = x.rank;
  return transpose(x, [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)]);
}

/** An output with no elements (an empty input, or a window longer than a 'valid' input). */
export const isEmpty = (shape: readonly number[]): boolean => shape.some((d) => d === 0);

/**
 * `count` cells along `axis` from `start`, every `stride`-th. Needs start + count*stride <= length.
 * cpu and tensorflow gather them (not along a last axis: lastAxisGatherIsSlow), wasm slices them
 * (quirks.ts: stridedSliceLosesToGather, stridedSliceLosesToSlices); elsewhere a StridedSlice, but
 * wasm's returns float32 bits for int32 and bool inputs and webgpu's does not compile past rank 4 (WGSL
 * has no vec5), so those go by slices too.
 */
export function takeStrided(x: tf.Tensor, axis: number, start: number, count: number, stride: number): tf.Tensor {
  const begin = x.shape.map((_, a) => (a === axis ? start : 0));
  if (stride === 1) return tf.slice(x, begin, x.shape.map((n, a) => (a === axis ? count : n)));
  if (quirk.stridedSliceLosesToGather() && !(axis === x.rank - 1 && quirk.lastAxisGatherIsSlow())) {
    return tf.gather(x, tf.range(start, start + count * stride, stride, 'int32'), axis);
  }
  const fold = quirk.stridedSliceLosesToSlices();
  if (x.dtype === 'float32' && x.rank <= 4 && !fold) {
    const end = x.shape.map((n, a) => (a === axis ? start + (count - 1) * stride + 1 : n));
    return tf.stridedSlice(x, begin, end, x.shape.map((_, a) => (a === axis ? stride : 1)));
  }
  return firstOfEachStride(x, axis, start, count, stride, fold);
}

/**
 * takeStrided by slices: cut to count*stride cells, split the axis into (count, stride), keep index 0.
 * `fold` merges the dims before and after the axis, so the slices are rank 3 and 4 (wasm's Slice copies
 * rows up to rank 4, value by value past it).
 */
function firstOfEachStride(x: tf.Tensor, axis: number, start: number, count: number, stride: number, fold: boolean): tf.Tensor {
  const product = (dims: number[]) => [dims.reduce((a, b) => a * b, 1)];
  const [outer, inner] = [x.shape.slice(0, axis), x.shape.slice(axis + 1)].map((dims) => (fold ? product(dims) : dims));
  const at = outer.length;
  const view = fold ? tf.reshape(x, [...outer, x.shape[axis], ...inner]) : x;
  const whole = start === 0 && view.shape[at] === count * stride;
  const cut = whole ? view : tf.slice(view, view.shape.map((_, a) => (a === at ? start : 0)), view.shape.map((n, a) => (a === at ? count * stride : n)));
  const split = [...outer, count, stride, ...inner];
  const first = tf.slice(tf.reshape(cut, split), split.map(() => 0), split.map((n, a) => (a === at + 1 ? 1 : n)));
  return tf.reshape(first, x.shape.map((n, a) => (a === axis ? count : n)));
}

/** Every s[d]-th cell of each spatial dim, from the first. */
export function subsample(y: tf.Tensor, strides: number[]): tf.Tensor {
  return strides.reduce((acc, s, d) => {
    if (s === 1) return acc;
    const n = acc.shape[d + 1];
    const count = Math.floor((n - 1) / s) + 1;
    // takeStrided reads count*s cells: pad the tail it may run past (never kept).
    const extra = count * s - n;
    const padded = extra > 0 ? pad(acc, acc.shape.map((_, a): [number, number] => [0, a === d + 1 ? extra : 0])) : acc;
    return takeStrided(padded, d + 1, 0, count, s);
  }, y);
}

/**
 * A padded channels-last 3-D tensor with every spatial dim that holds a single window (n - k < stride)
 * cut to that window, so its stride can be 1: libtensorflow's Conv3D (tfjs-tensorflow) with one input
 * channel misplaces rows when such a dim has a stride > 1 (input 1x3x3 of 0..8, kernel 1x1x3, strides
 * (1, 1, 2) gives 3, 5, 7 for 3, 12, 7). The sums are the same on every backend.
 */
export function singleWindowCut(padded: tf.Tensor, k: number[], s: number[]): tf.Tensor {
  const spatial = padded.shape.slice(1, -1);
  if (!spatial.some((n, i) => n - k[i] < s[i] && n !== k[i])) return padded;
  const size = [-1, ...spatial.map((n, i) => (n - k[i] < s[i] ? k[i] : n)), -1];
  return tf.slice(padded, padded.shape.map(() => 0), size);
}
