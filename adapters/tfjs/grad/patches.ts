/**
 * Backward rules of the patch ops: jax.vjp of Keras's ops on JAX (the reference's grad/patches.ts says
 * why), with the forward's moves. depth_to_space and space_to_depth pull back through each other's
 * forward; unfold's gradient is fold's forward of each plane's [taps, L] cotangent, fold's is unfold's
 * window gather of its cotangent, with a non-finite value turning its whole block (all C*kH*kW values,
 * fold's convolution not being grouped) into NaN but for itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FoldAttrs, UnfoldAttrs } from '../../../src/ops/patches.js';
import type { Vjps } from '../../../src/ops/table.js';
import { allFinite } from '../host-reads.js';
import { isEmpty } from '../layout.js';
import { asWindowSums, depthToSpace, fold, planeWindows, spaceToDepth } from '../patches.js';

type PatchesVjps = Required<Pick<Vjps<tf.Tensor>, 'unfold' | 'fold' | 'depth_to_space' | 'space_to_depth'>>;

/** A gradient's spec: float32, the one dtype differentiated. */
const float32 = (shape: number[]) => ({ shape, dtype: 'float32' as const });

/** unfold's: each plane's [taps, L] cotangent folded back onto the plane, its padding cropped. */
function unfoldT(x: tf.Tensor, dy: tf.Tensor, attrs: UnfoldAttrs): tf.Tensor {
  const [n, c, h, w] = x.shape;
  const { kernelSize, dilation, stride, blocks, padding, sumsFromZero } = attrs;
  const folding: FoldAttrs = { kernelSize, dilation, stride, blocks, offset: padding, sumsFromZero };
  const planes = tf.reshape(dy, [n * c, kernelSize[0] * kernelSize[1], blocks[0] * blocks[1]]);
  return tf.reshape(fold(planes, folding, float32([n * c, 1, h, w])), x.shape);
}

/** The last row (or column) a block's window reaches, plus one. */
const reach = (blocks: number, k: number, d: number, s: number) => (blocks - 1) * s + (k - 1) * d + 1;

/**
 * fold's: the cotangent's windows, read from `offset` on (zeros past its edges, where the crop cut), as
 * [N, C*kH*kW, L].
 */
function foldT(x: tf.Tensor, dy: tf.Tensor, attrs: FoldAttrs): tf.Tensor {
  if (isEmpty(x.shape) || isEmpty(dy.shape)) return tf.zerosLike(x);
  const { kernelSize, dilation, stride, blocks, offset, sumsFromZero } = attrs;
  const pads = [0, 1].map((i): [number, number] => {
    const after = reach(blocks[i], kernelSize[i], dilation[i], stride[i]) - offset[i] - dy.shape[2 + i];
    return [offset[i], Math.max(after, 0)];
  });
  const reading: UnfoldAttrs = { kernelSize, dilation, stride, blocks, padding: [0, 0], sumsFromZero };
  const windows = tf.reshape(planeWindows(dy, pads, reading), x.shape);
  return sumsFromZero ? asWindowSums(windows, 1, allFinite(dy)) : windows;
}

export const patchesVjps: PatchesVjps = {
  unfold: ({ x }, attrs, _out, dy) => ({ x: unfoldT(x, dy, attrs) }),
  fold: ({ x }, attrs, _out, dy) => ({ x: foldT(x, dy, attrs) }),
  depth_to_space: ({ x }, attrs, _out, dy) => ({ x: spaceToDepth(dy, attrs, float32(x.shape)) }),
  space_to_depth: ({ x }, attrs, _out, dy) => ({ x: depthToSpace(dy, attrs, float32(x.shape)) }),
};
