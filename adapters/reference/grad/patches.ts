/**
 * Backward rules of the patch ops: jax.vjp of Keras's ops on JAX. depth_to_space and space_to_depth are a
 * reshape and a transpose, so each one's gradient is the other's forward of the cotangent, bit for bit
 * (-0 and subnormals kept). unfold and fold are convolutions with an identity kernel, and each one's
 * transpose is the other convolution with the same kernel: unfold's gradient adds the cotangent's windows
 * back onto their planes as fold does (jnp.pad's transpose crops the padding), fold's gathers the
 * cotangent's windows as unfold does (the crop's transpose pads with zeros). The kernel's zeros carry
 * over: a NaN or an infinity in the cotangent makes NaN of what its window's other values give, within a
 * plane for unfold (one group per channel), across all C*kH*kW values of a block for fold. As forward,
 * -0 comes out +0 but in the copy cases, and subnormals are flushed.
 */
import type { FoldAttrs, UnfoldAttrs } from '../../../src/ops/patches.js';
import type { Vjps } from '../../../src/ops/table.js';
import { fromValues, values, type RefArray } from '../ndarray.js';
import { asWindowSums, depthToSpace, fold, spaceToDepth, windowValues } from '../patches.js';

type PatchesVjps = Required<Pick<Vjps<RefArray>, 'unfold' | 'fold' | 'depth_to_space' | 'space_to_depth'>>;

const specOf = (x: RefArray) => ({ shape: x.shape, dtype: x.dtype });

/** unfold's: each plane's [taps, L] cotangent folded back onto the plane, its padding cropped. */
function unfoldT(x: RefArray, ct: RefArray, attrs: UnfoldAttrs): RefArray {
  const [n, c, h, w] = x.shape;
  const { kernelSize, dilation, stride, blocks, padding, sumsFromZero } = attrs;
  const folding: FoldAttrs = { kernelSize, dilation, stride, blocks, offset: padding, sumsFromZero };
  const planes = { ...ct, shape: [n * c, kernelSize[0] * kernelSize[1], blocks[0] * blocks[1]] };
  const folded = fold(planes, folding, { shape: [n * c, 1, h, w], dtype: x.dtype });
  return { ...folded, shape: x.shape };
}

/** fold's: the windows of the cotangent, read from `offset` on, as [N, C*kH*kW, L]. */
function foldT(x: RefArray, ct: RefArray, attrs: FoldAttrs): RefArray {
  const { kernelSize, dilation, stride, blocks, offset, sumsFromZero } = attrs;
  const reading: UnfoldAttrs = { kernelSize, dilation, stride, blocks, padding: offset, sumsFromZero };
  const windows = windowValues(values(ct), ct.shape, reading);
  return fromValues(asWindowSums(windows, x.shape, sumsFromZero), x.shape, x.dtype);
}

export const patchesVjps: PatchesVjps = {
  unfold: ({ x }, attrs, _out, ct) => ({ x: unfoldT(x, ct, attrs) }),
  fold: ({ x }, attrs, _out, ct) => ({ x: foldT(x, ct, attrs) }),
  depth_to_space: ({ x }, attrs, _out, ct) => ({ x: spaceToDepth(ct, attrs, specOf(x)) }),
  space_to_depth: ({ x }, attrs, _out, ct) => ({ x: depthToSpace(ct, attrs, specOf(x)) }),
};
