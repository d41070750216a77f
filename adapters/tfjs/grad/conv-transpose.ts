/**
 * Backward rule of conv_transpose: jax.vjp of Keras's op on JAX (the reference's grad/conv-transpose.ts
 * gives both sums), as the two strided convolutions JAX's transpose of lax.conv_transpose runs, each
 * through the forward's conv kernel (conv.ts: 1-D through 2-D, 3-D, strides with dilation, the backends'
 * quirks), channels-last:
 * - the input's: the cotangent padded by the crop at the start, convolved with the kernel as it is (its
 *   (*k, C_out, C_in) is a conv kernel from C_out to C_in channels) at the strides and the dilation;
 * - the kernel's: the input with batch and channels swapped, dilated by the strides and padded as JAX's
 *   forward pads it, convolved with the cotangent as the kernel (batch to output channels) at a window
 *   stride of the dilation, then flipped: so only the input cells a tap reached meet its cotangent, and
 *   an input's NaN or infinity reaches no other tap (a conv of the cotangent padded with zeros would
 *   multiply them by an infinity: NaN where JAX has none).
 * grad/overrides.ts says why TF.js's own conv gradients are not taken.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvTransposeAttrs } from '../../../src/ops/conv.js';
import { convTransposeCrops, effectiveKernel, windowOutputLength } from '../../../src/ops/shapes.js';
import type { Vjps } from '../../../src/ops/table.js';
import { convKernels, dilateInput } from '../conv.js';
import { pad, reverse, transpose } from '../gpu-layout.js';
import { fromChannelsLast, isEmpty, toChannelsLast } from '../layout.js';
import { requested } from './lax.js';

type ConvTransposeVjps = Required<Pick<Vjps<tf.Tensor>, 'conv_transpose'>>;

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * A 'valid' conv of channels-last `x`, first padded by `before` per spatial dim and at the end as far as
 * `need` output cells per dim take, cut to those cells.
 */
function paddedConv(x: tf.Tensor, kernel: tf.Tensor, before: number[], need: number[], strides: number[], dilationRate: number[]): tf.Tensor {
  const n = need.length;
  const kSpatial = kernel.shape.slice(0, n);
  const pads = before.map((b, d): [number, number] => {
    const reach = (need[d] - 1) * strides[d] + effectiveKernel(kSpatial[d], dilationRate[d]);
    return [b, Math.max(reach - b - x.shape[d + 1], 0)];
  });
  const padded = pad(x, [[0, 0], ...pads, [0, 0]]);
  const attrs = { strides, dilationRate, padding: 'valid' as const, dataFormat: 'channels_last' as const, groups: 1 };
  const spatial = padded.shape.slice(1, -1).map((len, d) => windowOutputLength(len, kSpatial[d], strides[d], dilationRate[d], 'valid')!);
  const shape = [x.shape[0], ...spatial, kernel.shape[n + 1]];
  const y = convKernels.conv({ inputs: padded, kernel }, attrs, { shape, dtype: 'float32' });
  return tf.slice(y, y.shape.map(() => 0), [x.shape[0], ...need, kernel.shape[n + 1]]);
}

/** dx: the cotangent (channels-last) read at i*s + j*d - crop against kernel[j], C_out to C_in. */
function inputsT(x: tf.Tensor, kernel: tf.Tensor, dy: tf.Tensor, attrs: ConvTransposeAttrs, crops: number[]): tf.Tensor {
  const need = x.shape.slice(1, -1);
  return paddedConv(dy, kernel, crops, need, attrs.strides, attrs.dilationRate);
}

/**
 * dk: out[ci, j', oc] = sum over t, b of xd[ci, j'*d + t, b] * dy[b, t, oc], xd the input (C_in as batch,
 * batch as channels) dilated by the strides and padded by JAX's left pad kEff - 1 - crop; tap j' is the
 * kernel's tap k - 1 - j'.
 */
function kernelT(x: tf.Tensor, kernel: tf.Tensor, dy: tf.Tensor, attrs: ConvTransposeAttrs, crops: number[]): tf.Tensor {
  const n = kernel.rank - 2;
  const spatial = range(1, n + 1);
  const kSpatial = kernel.shape.slice(0, n);
  const xd = dilateInput(transpose(x, [n + 1, ...spatial, 0]), attrs.strides);
  const taps = transpose(dy, [...spatial, 0, n + 1]);
  const leftPads = kSpatial.map((k, d) => effectiveKernel(k, attrs.dilationRate[d]) - 1 - crops[d]);
  const y = paddedConv(xd, taps, leftPads, kSpatial, attrs.dilationRate, attrs.dilationRate.map(() => 1));
  return transpose(reverse(y, spatial), [...spatial, n + 1, 0]);
}

function convTransposeT(x: tf.Tensor, kernel: tf.Tensor, dy: tf.Tensor, attrs: ConvTransposeAttrs, wrt: readonly string[]) {
  if ([x, kernel, dy].some((t) => isEmpty(t.shape))) return requested({ inputs: tf.zerosLike(x), kernel: tf.zerosLike(kernel) }, wrt);
  const [xl, dyl] = [toChannelsLast(x, attrs.dataFormat), toChannelsLast(dy, attrs.dataFormat)];
  const crops = convTransposeCrops(kernel.shape, attrs);
  return requested(
    {
      inputs: wrt.includes('inputs') ? fromChannelsLast(inputsT(xl, kernel, dyl, attrs, crops), attrs.dataFormat) : null,
      kernel: wrt.includes('kernel') ? kernelT(xl, kernel, dyl, attrs, crops) : null,
    },
    wrt,
  );
}

export const convTransposeVjps: ConvTransposeVjps = {
  conv_transpose: ({ inputs, kernel }, attrs, _out, dy, wrt) => convTransposeT(inputs, kernel, dy, attrs, wrt),
};
