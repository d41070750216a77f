/**
 * Backward rules of conv, depthwise_conv and separable_conv: jax.vjp of Keras's ops on JAX (the
 * reference's grad/conv.ts gives the sums), as lax's transposes of a grouped convolution, channels-last:
 * - the input's: a grouped conv, through the forward's (conv.ts: 1-D through 2-D, 3-D, strides with
 *   dilation, the backends' quirks), of the cotangent spread by the strides and padded so that output
 *   cell o meets kernel tap j at input cell o*s + j*d - lo, with the kernel reversed and each group's
 *   channel axes swapped;
 * - the kernel's: a conv, through the same, of the padded input with batch and channels swapped by the
 *   cotangent as its kernel, at a stride of the dilation and a dilation of the strides: only the cells a
 *   tap read meet its cotangent, so an input's NaN or infinity reaches no other tap.
 * separable_conv runs both for its pointwise conv, then for its depthwise conv from the cotangent of
 * the depthwise result. grad/overrides.ts says why TF.js's own conv gradients are not taken.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvAttrs, ConvWindow, SeparableConvAttrs } from '../../../src/ops/conv.js';
import { effectiveKernel, windowPads } from '../../../src/ops/shapes.js';
import type { Vjps } from '../../../src/ops/table.js';
import { dilateInput, groupedConv, operand, pointwiseWindow, separableMid } from '../conv.js';
import { pad, reverse, transpose } from '../gpu-layout.js';
import { fromChannelsLast, isEmpty, toChannelsLast } from '../layout.js';
import { requested } from './lax.js';

type ConvVjps = Required<Pick<Vjps<tf.Tensor>, 'conv' | 'depthwise_conv' | 'separable_conv'>>;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A depthwise kernel (*k, C, M) as lax reads it: (*k, 1, C*M), groups = C. */
const asGrouped = (kernel: tf.Tensor) => tf.reshape(kernel, [...kernel.shape.slice(0, -2), 1, kernel.shape.at(-2)! * kernel.shape.at(-1)!]);

/** Per spatial dim, lax's padding before and after the input ('same': the odd cell at the end). */
const laxPads = (inSpatial: number[], kSpatial: number[], geo: ConvWindow) =>
  kSpatial.map((k, d) => windowPads(inSpatial[d], k, geo.strides[d], geo.dilationRate[d], geo.padding));

/**
 * The input's gradient: lax's transpose, a stride-1 grouped conv with the forward's dilation over the
 * cotangent spread by the strides and padded by kEff - 1 - lo before and to the input's length after
 * (a row the strides left over gets zeros), with kernel (*k, C_in/G, G*C_out/G) reversed and read as
 * (*k, C_out/G, G*C_in/G). A depthwise kernel (C_in/G = 1) with a multiplier M goes as M per-channel
 * convs summed, so that the forward's depthwise conv runs it instead of one conv per group.
 */
export function inputGradient(dy: tf.Tensor, kernel: tf.Tensor, geo: ConvWindow, groups: number, inSpatial: number[]): tf.Tensor {
  const n = kernel.rank - 2;
  const kSpatial = kernel.shape.slice(0, n);
  const [cinG, cout] = kernel.shape.slice(n);
  const coutG = cout / groups;
  const pads = laxPads(inSpatial, kSpatial, geo).map(([lo], d): [number, number] => {
    const before = effectiveKernel(kSpatial[d], geo.dilationRate[d]) - 1 - lo;
    return [before, inSpatial[d] + lo - (dy.shape[d + 1] - 1) * geo.strides[d] - 1];
  });
  const spread = pad(dilateInput(dy, geo.strides), [[0, 0], ...pads, [0, 0]]);
  const reversed = reverse(kernel, range(n));
  const unit = { ...geo, strides: geo.strides.map(() => 1), padding: 'valid' as const };
  if (cinG === 1 && coutG > 1 && n <= 2) {
    const perChannel = groupedConv(spread, reversed, unit, cout);
    return tf.sum(tf.reshape(perChannel, [...perChannel.shape.slice(0, -1), groups, coutG]), -1);
  }
  const split = tf.reshape(reversed, [...kSpatial, cinG, groups, coutG]);
  const swapped = tf.reshape(transpose(split, [...range(n), n + 2, n + 1, n]), [...kSpatial, coutG, groups * cinG]);
  return groupedConv(spread, swapped, unit, groups);
}

/**
 * The kernel's gradient, (*k, C_in/G, C_out): lax's transpose, a conv of the padded input with batch and
 * channels swapped (C_in as batch, the batch as channels) by the cotangent as kernel (*out, batch, C_out),
 * at a stride of the dilation and a dilation of the strides, so tap j meets x[o*s + j*d - lo] at o, cut to
 * the kernel's taps (a row the strides left over gives more) and its axes put back. Each group alone;
 * depthwise (C_in/G = 1) as one depthwise conv over the C*batch planes, summed over the batch.
 */
export function kernelGradient(x: tf.Tensor, dy: tf.Tensor, kernelShape: number[], geo: ConvWindow, groups: number): tf.Tensor {
  const n = kernelShape.length - 2;
  const spatial = range(n).map((d) => d + 1);
  const kSpatial = kernelShape.slice(0, n);
  const [cinG, cout] = kernelShape.slice(n);
  const coutG = cout / groups;
  const [batch, outSpatial] = [x.shape[0], dy.shape.slice(1, -1)];
  const reach = (d: number) => (outSpatial[d] - 1) * geo.strides[d] + effectiveKernel(kSpatial[d], geo.dilationRate[d]);
  const pads = laxPads(x.shape.slice(1, -1), kSpatial, geo).map(([lo], d): [number, number] => [lo, Math.max(reach(d) - lo - x.shape[d + 1], 0)]);
  const padded = pad(x, [[0, 0], ...pads, [0, 0]]);
  const window = { strides: geo.dilationRate, dilationRate: geo.strides, padding: 'valid' as const };
  const taps = (y: tf.Tensor) => tf.slice(y, y.shape.map(() => 0), [y.shape[0], ...kSpatial, y.shape[n + 1]]);
  if (cinG === 1 && groups > 1 && n <= 2) {
    const planes = tf.reshape(transpose(padded, [...spatial, n + 1, 0]), [1, ...padded.shape.slice(1, -1), groups * batch]);
    const byPlane = transpose(tf.reshape(dy, [batch, ...outSpatial, groups, coutG]), [...spatial, n + 1, 0, n + 2]);
    const y = taps(groupedConv(planes, tf.reshape(byPlane, [...outSpatial, 1, groups * batch * coutG]), window, groups * batch));
    return tf.reshape(tf.sum(tf.reshape(y, [...kSpatial, groups, batch, coutG]), n + 1), kernelShape);
  }
  const xT = transpose(padded, [n + 1, ...spatial, 0]);
  const dyT = transpose(dy, [...spatial, 0, n + 1]);
  const perGroup = range(groups).map((g) => {
    const xg = groups === 1 ? xT : tf.slice(xT, [g * cinG, ...spatial.map(() => 0), 0], [cinG, ...xT.shape.slice(1)]);
    const dyg = groups === 1 ? dyT : tf.slice(dyT, [...spatial.map(() => 0), 0, g * coutG], [...dyT.shape.slice(0, -1), coutG]);
    return taps(groupedConv(xg, dyg, window, 1));
  });
  return transpose(perGroup.length === 1 ? perGroup[0] : tf.concat(perGroup, n + 1), [...spatial, 0, n + 1]);
}

type Layout = Pick<ConvAttrs, 'dataFormat'>;

/** conv's and depthwise_conv's: the grouped conv's gradients asked for; `kernel` as lax reads it. */
function groupedT(inputs: tf.Tensor, kernel: tf.Tensor, dy: tf.Tensor, geo: ConvWindow & Layout, groups: number, wrt: readonly string[]) {
  const shape = kernel.shape;
  if (isEmpty(inputs.shape) || isEmpty(dy.shape)) return requested({ inputs: tf.zerosLike(inputs), kernel: tf.zeros(shape) }, wrt);
  const [x, g] = [toChannelsLast(operand(inputs, 'float32'), geo.dataFormat), toChannelsLast(dy, geo.dataFormat)];
  const dx = wrt.includes('inputs') ? inputGradient(g, kernel, geo, groups, x.shape.slice(1, -1)) : null;
  const dk = wrt.includes('kernel') ? kernelGradient(x, g, shape, geo, groups) : null;
  return requested({ inputs: dx && fromChannelsLast(dx, geo.dataFormat), kernel: dk }, wrt);
}

/** separable_conv's: the pointwise conv's gradients, then the depthwise conv's from the cotangent of its result. */
function separableT(inputs: tf.Tensor, dw: tf.Tensor, pw: tf.Tensor, dy: tf.Tensor, attrs: SeparableConvAttrs, wrt: readonly string[]) {
  const zeros = { inputs: tf.zerosLike(inputs), depthwise_kernel: tf.zerosLike(dw), pointwise_kernel: tf.zerosLike(pw) };
  if ([inputs, dw, pw, dy].some((t) => isEmpty(t.shape))) return requested(zeros, wrt);
  const x = toChannelsLast(operand(inputs, attrs.depthwiseDtype), attrs.dataFormat);
  const g = toChannelsLast(dy, attrs.dataFormat);
  const mid = separableMid(x, dw, attrs, 'float32');
  const pointwise = pointwiseWindow(attrs);
  const grads = {
    pointwise_kernel: wrt.includes('pointwise_kernel') ? kernelGradient(mid, g, pw.shape, pointwise, attrs.pointwiseGroups) : null,
  };
  if (!wrt.includes('inputs') && !wrt.includes('depthwise_kernel')) return requested(grads, wrt);
  const gMid = inputGradient(g, pw, pointwise, attrs.pointwiseGroups, mid.shape.slice(1, -1));
  const [channels, depthwise] = [x.shape.at(-1)!, asGrouped(dw)];
  const dk = wrt.includes('depthwise_kernel') ? kernelGradient(x, gMid, depthwise.shape, attrs, channels) : null;
  const dx = wrt.includes('inputs') ? inputGradient(gMid, depthwise, attrs, channels, x.shape.slice(1, -1)) : null;
  return requested({ ...grads, depthwise_kernel: dk && tf.reshape(dk, dw.shape), inputs: dx && fromChannelsLast(dx, attrs.dataFormat) }, wrt);
}

export const convVjps: ConvVjps = {
  conv: ({ inputs, kernel }, attrs, _out, dy, wrt) => groupedT(inputs, kernel, dy, attrs, attrs.groups, wrt),
  depthwise_conv: ({ inputs, kernel }, attrs, _out, dy, wrt) => {
    const grads = groupedT(inputs, asGrouped(kernel), dy, attrs, kernel.shape.at(-2)!, wrt);
    return grads.kernel ? { ...grads, kernel: tf.reshape(grads.kernel, kernel.shape) } : grads;
  },
  separable_conv: ({ inputs, depthwise_kernel: dw, pointwise_kernel: pw }, attrs, _out, dy, wrt) => separableT(inputs, dw, pw, dy, attrs, wrt),
};
