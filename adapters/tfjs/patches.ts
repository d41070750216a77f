/**
 * TF.js unfold, fold, depth_to_space and space_to_depth, as moves of values on the device.
 *
 * unfold and fold are one gather each, by flat indices computed on the host from the shapes alone
 * (never the data); fold then adds each output's taps. Keras-JAX computes both as convolutions with an
 * identity kernel, where a NaN or an infinity turns the other values of its window into NaN (inf * 0)
 * and every output is added from +0 (adapters/reference/patches.ts): a non-finite count per window
 * and a select give the same NaNs, an added 0 the same zeros. depth_to_space and space_to_depth are
 * JAX's rank-6 view and transpose, done as one or two transposes of rank 3 or 4 (the GPUs' pad, where
 * and reverse stop at rank 4, gpu-layout.ts); TF.js's depthToSpace is not used: wasm's labels its
 * result float32 whatever the input, and it orders channels-first channels unlike JAX.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConcreteSpec } from '../../src/dtypes.js';
import type { BlockAttrs, FoldAttrs, UnfoldAttrs } from '../../src/ops/patches.js';
import type { Kernels } from '../../src/ops/table.js';
import { cast, pad, transpose, where } from './gpu-layout.js';
import { allFinite } from './host-reads.js';
import { isEmpty } from './layout.js';
import { quirk } from './quirks.js';

/**
 * `values` with Keras-JAX's window sums applied along `tapAxis` (its windows' other entries): NaN where
 * another entry of the window is NaN or infinite, and +0 for -0. `finite`: no entry is NaN or infinite.
 */
export function asWindowSums(values: tf.Tensor, tapAxis: number, finite: boolean): tf.Tensor {
  const summed = tf.add(values, tf.scalar(0));
  if (finite || values.shape[tapAxis] === 1) return summed;
  const bad = cast(tf.logicalNot(tf.isFinite(values)), 'float32');
  const others = tf.sub(tf.sum(bad, tapAxis, true), bad);
  return where(tf.greater(others, 0), tf.scalar(NaN), summed);
}

/** For tap t of block l, the flat index of the padded plane it reads, at t * L + l. */
function windowIndices(attrs: UnfoldAttrs, paddedWidth: number): Int32Array {
  const { kernelSize: [kH, kW], dilation: [dH, dW], stride: [sH, sW], blocks: [oH, oW] } = attrs;
  const indices = new Int32Array(kH * kW * oH * oW);
  let at = 0;
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      for (let a = 0; a < oH; a++) {
        for (let b = 0; b < oW; b++) indices[at++] = (a * sH + i * dH) * paddedWidth + b * sW + j * dW;
      }
    }
  }
  return indices;
}

/**
 * The padded [planes, H, W] image's windows, [planes, taps, L]: one gather, or a strided slice per tap
 * (float32 only: wasm's StridedSlice labels an int32 or bool result float32).
 */
function windowsOf(image: tf.Tensor, attrs: UnfoldAttrs): tf.Tensor {
  const [planes, , width] = image.shape;
  const { kernelSize: [kH, kW], dilation: [dH, dW], stride: [sH, sW], blocks: [oH, oW] } = attrs;
  if (!quirk.lastAxisGatherIsSlow() || image.dtype !== 'float32') {
    const windows = tf.gather(tf.reshape(image, [planes, -1]), tf.tensor1d(windowIndices(attrs, width), 'int32'), 1);
    return tf.reshape(windows, [planes, kH * kW, oH * oW]);
  }
  const taps: tf.Tensor[] = [];
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      const [top, left] = [i * dH, j * dW];
      const end = [planes, top + (oH - 1) * sH + 1, left + (oW - 1) * sW + 1];
      taps.push(tf.reshape(tf.stridedSlice(image, [0, top, left], end, [1, sH, sW]), [planes, oH * oW]));
    }
  }
  return tf.stack(taps, 1);
}

/**
 * The windows of every plane of x [n, c, h, w] with `pads` [[top, bottom], [left, right]] of zeros, as
 * [n * c, taps, L]: unfold's (jnp.pad's), and fold's backward's (its crop's transpose).
 */
export function planeWindows(x: tf.Tensor, pads: [number, number][], attrs: UnfoldAttrs): tf.Tensor {
  const [n, c, h, w] = x.shape;
  const [[top, bottom], [left, right]] = pads;
  const padded = top || bottom || left || right ? pad(x, [[0, 0], [0, 0], ...pads]) : x;
  return windowsOf(tf.reshape(padded, [n * c, h + top + bottom, w + left + right]), attrs);
}

function unfold(x: tf.Tensor, attrs: UnfoldAttrs, out: ConcreteSpec): tf.Tensor {
  if (isEmpty(out.shape)) return tf.zeros(out.shape, out.dtype);
  const [pH, pW] = attrs.padding;
  const shaped = planeWindows(x, [[pH, pH], [pW, pW]], attrs);
  // The windows are taps-fold copies of x: a check of x (host-reads.ts) spares the NaN mask of them all.
  const result = x.dtype === 'float32' && attrs.sumsFromZero ? asWindowSums(shaped, 1, allFinite(x)) : shaped;
  return tf.reshape(result, out.shape);
}

/**
 * For output pixel p and tap t, at p * taps + t, the flat index t * L + l of the block that puts tap t
 * there, or taps * L (a zero) where none does: tap (i, j) of block (a, b) lands at
 * (a*sH + i*dH, b*sW + j*dW) of the padded image, shown from `offset` on.
 */
function landingIndices(attrs: FoldAttrs, [oh, ow]: number[]): Int32Array {
  const { kernelSize: [kH, kW], dilation: [dH, dW], stride: [sH, sW], blocks: [nH, nW], offset: [top, left] } = attrs;
  const taps = kH * kW;
  const length = nH * nW;
  const block = (at: number, tap: number, d: number, s: number, count: number) => {
    const from = at - tap * d;
    return from >= 0 && from % s === 0 && from / s < count ? from / s : -1;
  };
  const indices = new Int32Array(oh * ow * taps).fill(taps * length);
  for (let y = 0; y < oh; y++) {
    for (let col = 0; col < ow; col++) {
      for (let t = 0; t < taps; t++) {
        const a = block(y + top, Math.floor(t / kW), dH, sH, nH);
        const b = block(col + left, t % kW, dW, sW, nW);
        if (a >= 0 && b >= 0) indices[(y * ow + col) * taps + t] = t * length + a * nW + b;
      }
    }
  }
  return indices;
}

/**
 * A block's values as its windows add them in Keras-JAX: all C*kH*kW of them meet every output the block
 * reaches (the identity kernel's zeros), so one non-finite value makes the block's others NaN.
 */
function poisonBlocks(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || x.shape[1] === 1) return x;
  const bad = cast(tf.logicalNot(tf.isFinite(x)), 'float32');
  const others = tf.sub(tf.sum(bad, 1, true), bad);
  return where(tf.greater(others, 0), tf.scalar(NaN), x);
}

/** int32 sums wrap as XLA's do; bool ones are XLA's or, taken as a nonzero int32 sum. */
export function fold(x: tf.Tensor, attrs: FoldAttrs, out: ConcreteSpec): tf.Tensor {
  const [n, , length] = x.shape;
  if (isEmpty(out.shape) || length === 0) return tf.zeros(out.shape, out.dtype);
  const [, c, oh, ow] = out.shape;
  const taps = attrs.kernelSize[0] * attrs.kernelSize[1];
  const values = poisonBlocks(x.dtype === 'bool' ? cast(x, 'int32') : x);
  // Row (batch, channel), column t * L + l, and one zero column for the pixels no tap reaches.
  const source = pad(tf.reshape(values, [n * c, taps * length]), [[0, 0], [0, 1]]);
  const gathered = tf.gather(source, tf.tensor1d(landingIndices(attrs, [oh, ow]), 'int32'), 1);
  const sums = taps === 1 ? gathered : tf.sum(tf.reshape(gathered, [n * c, oh * ow, taps]), 2);
  const result = x.dtype === 'float32' && attrs.sumsFromZero ? tf.add(sums, tf.scalar(0)) : sums;
  return cast(tf.reshape(result, out.shape), out.dtype);
}

/** `x` viewed as `shape`, with the axes permuted. */
const moved = (x: tf.Tensor, shape: number[], perm: number[]) => transpose(tf.reshape(x, shape), perm);

/**
 * JAX's views (n, h, w, bH, bW, C) channels-last and (n, C, bH, bW, h, w) channels-first, interleaved
 * into (n, h, bH, w, bW, C) and (n, C, h, bH, w, bW).
 */
export function depthToSpace(x: tf.Tensor, { blockSize: bs, dataFormat }: BlockAttrs, out: ConcreteSpec): tf.Tensor {
  if (isEmpty(out.shape)) return tf.zeros(out.shape, out.dtype);
  if (dataFormat === 'channels_last') {
    const [n, h, w] = x.shape;
    return tf.reshape(moved(x, [n * h, w, bs, -1], [0, 2, 1, 3]), out.shape);
  }
  const [n, , h, w] = x.shape;
  const planes = n * out.shape[1];
  const bWLast = moved(x, [planes * bs, bs, h * w], [0, 2, 1]);
  return tf.reshape(moved(bWLast, [planes, bs, h, w * bs], [0, 2, 1, 3]), out.shape);
}

/** The inverse moves: (n, h, bH, w, bW, C) to (n, h, w, bH, bW, C); (n, C, h, bH, w, bW) to (n, C, bH, bW, h, w). */
export function spaceToDepth(x: tf.Tensor, { blockSize: bs, dataFormat }: BlockAttrs, out: ConcreteSpec): tf.Tensor {
  if (isEmpty(out.shape)) return tf.zeros(out.shape, out.dtype);
  if (dataFormat === 'channels_last') {
    const [n, rows, cols] = out.shape;
    return tf.reshape(moved(x, [n * rows, bs, cols, -1], [0, 2, 1, 3]), out.shape);
  }
  const [n, c] = x.shape;
  const [, , rows, cols] = out.shape;
  const bHFirst = moved(x, [n * c, rows, bs, cols * bs], [0, 2, 1, 3]);
  return tf.reshape(moved(bHFirst, [n * c * bs, rows * cols, bs], [0, 2, 1]), out.shape);
}

export const patchesKernels: Pick<Kernels<tf.Tensor>, 'unfold' | 'fold' | 'depth_to_space' | 'space_to_depth'> = {
  unfold: ({ x }, attrs, out) => unfold(x, attrs, out),
  fold: ({ x }, attrs, out) => fold(x, attrs, out),
  depth_to_space: ({ x }, attrs, out) => depthToSpace(x, attrs, out),
  space_to_depth: ({ x }, attrs, out) => spaceToDepth(x, attrs, out),
};
