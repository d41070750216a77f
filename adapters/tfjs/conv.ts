/**
 * TF.js conv, depthwise_conv, separable_conv and conv_transpose, composed from TF.js's channels-last
 * conv2d / conv3d / depthwiseConv2d / conv2dTranspose:
 * - channels_first through transposes (wasm rejects NCHW, conv3d is NDHWC only);
 * - 1-D through a 2-D view with a unit height (TF.js has no 1-D depthwise or transposed conv);
 * - 'same' as explicit zero pads with the odd cell at the end, then 'valid';
 * - strides and dilation together (TF.js asserts one of them is 1): dilated conv with stride 1, then
 *   every stride-th output, which are exactly the outputs lax computes;
 * - groups: one conv per group, concatenated; 3-D depthwise as a grouped conv3d, as JAX runs it;
 * - conv_transpose with dilation, and 3-D: a conv over the stride-dilated input with the flipped kernel;
 *   large ones on wasm, whose conv2dTranspose is a scalar loop: one conv per output phase;
 * - int32 and bool: inputs cast to out.dtype as JAX casts them, computed in float32 (exact for integer
 *   sums below 2^24), cast back.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConcreteSpec, DType } from '../../src/dtypes.js';
import type { DataFormat } from '../../src/ops/args.js';
import type { ConvWindow, SeparableConvAttrs } from '../../src/ops/conv.js';
import { convTransposeCrops, effectiveKernel, samePads, splitChannels } from '../../src/ops/shapes.js';
import type { Kernels } from '../../src/ops/table.js';
import { cast, pad, reverse, transpose, where } from './gpu-layout.js';
import { allFinite } from './host-reads.js';
import { quirk } from './quirks.js';
import { fromChannelsLast, isEmpty, singleWindowCut, subsample, toChannelsLast } from './layout.js';

type ConvKernels = Pick<Kernels<tf.Tensor>, 'conv' | 'depthwise_conv' | 'separable_conv' | 'conv_transpose'>;


/** Values as JAX convolves them: cast to the op's dtype, then held in float32 for TF.js's kernels. */
export function operand(x: tf.Tensor, dtype: DType): tf.Tensor {
  return cast(dtype === 'float32' ? x : cast(x, dtype), 'float32');
}

const allOnes = (v: number[]) => v.every((x) => x === 1);

/** lax's zero pads (for 'same' the odd cell at the end) of every dim of a channels-last tensor. */
function laxPads(x: tf.Tensor, kSpatial: number[], geo: ConvWindow): [number, number][] {
  const spatial = x.shape.slice(1, -1).map((n, d): [number, number] =>
    geo.padding === 'valid' ? [0, 0] : samePads(n, kSpatial[d], geo.strides[d], geo.dilationRate[d]),
  );
  return [[0, 0], ...spatial, [0, 0]];
}

function padSame(x: tf.Tensor, kSpatial: number[], geo: ConvWindow): tf.Tensor {
  const pads = laxPads(x, kSpatial, geo);
  return pads.every(([a, b]) => a === 0 && b === 0) ? x : pad(x, pads);
}

/**
 * A 'valid' conv of channels-last float32 operands, 1-D to 3-D, through `native2d` / `native3d`
 * (TF.js's conv or depthwise conv). Strides with dilation: stride 1, then subsample.
 */
function validConv(
  x: tf.Tensor,
  kernel: tf.Tensor,
  geo: ConvWindow,
  native2d: (x: tf.Tensor4D, k: tf.Tensor4D, s: [number, number], d: [number, number]) => tf.Tensor4D,
  native3d: (x: tf.Tensor5D, k: tf.Tensor5D, s: [number, number, number], d: [number, number, number]) => tf.Tensor5D,
): tf.Tensor {
  const both = !allOnes(geo.strides) && !allOnes(geo.dilationRate);
  const strides = both ? geo.strides.map(() => 1) : geo.strides;
  const d = geo.dilationRate;
  let y: tf.Tensor;
  if (strides.length === 1) {
    const [x4, k4] = [tf.expandDims(x, 1) as tf.Tensor4D, tf.expandDims(kernel, 0) as tf.Tensor4D];
    const y4 = native2d(x4, k4, [1, strides[0]], [1, d[0]]);
    y = tf.squeeze(y4, [1]);
  } else if (strides.length === 2) {
    y = native2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides as [number, number], d as [number, number]);
  } else {
    y = native3d(x as tf.Tensor5D, kernel as tf.Tensor5D, strides as [number, number, number], d as [number, number, number]);
  }
  return both ? subsample(y, geo.strides) : y;
}

type Pads2d = 'valid' | 'same' | tf.backend_util.ExplicitPadding;

/** TF.js's conv2d; a 1x1 kernel may go through XNNPACK's GEMM, which turns NaN into -inf. */
function conv2dPadded(x: tf.Tensor4D, k: tf.Tensor4D, s: [number, number], pads: Pads2d, d: [number, number]): tf.Tensor4D {
  const run = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, s, pads, 'NHWC', d);
  const oneByOne = k.shape[0] === 1 && k.shape[1] === 1;
  return quirk.xnnpackTurnsNaNToMinusInf() && oneByOne ? withNaNWindows(x, k, run) : run(x, k);
}

/**
 * A window that reads a NaN gives NaN in JAX, whatever the weight (NaN * 0 is NaN): found by the same
 * conv of the NaN mask with a ones kernel, for the kernels that lose it.
 */
function withNaNWindows(x: tf.Tensor4D, k: tf.Tensor4D, run: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const y = run(x, k);
  // Without NaN in x the mask is all zeros (host-reads.ts: one pass instead of a conv and a select).
  if (allFinite(x)) return y;
  const nan = run(cast(tf.isNaN(x), 'float32') as tf.Tensor4D, tf.onesLike(k));
  return where(tf.greater(nan, 0), tf.fill(y.shape, NaN), y) as tf.Tensor4D;
}

const conv2d = (x: tf.Tensor4D, k: tf.Tensor4D, s: [number, number], d: [number, number]) => conv2dPadded(x, k, s, 'valid', d);
/** TF.js's conv3d, around the quirks of libtensorflow's Conv3D (quirks.ts). */
function conv3d(x: tf.Tensor5D, k: tf.Tensor5D, s: [number, number, number], d: [number, number, number]): tf.Tensor5D {
  const kEff = k.shape.slice(0, 3).map((n, i) => effectiveKernel(n, d[i]));
  const cut = quirk.conv3dMisplacesSingleWindowRows() ? (singleWindowCut(x, kEff, s) as tf.Tensor5D) : x;
  const strides = s.map((v, i) => (cut.shape[i + 1] === kEff[i] ? 1 : v)) as [number, number, number];
  if (allOnes(d) || !quirk.lacksDilatedConv3d()) return tf.conv3d(cut, k, strides, 'valid', 'NDHWC', d);
  return conv3dByTaps(cut, k, strides, d);
}

/** A dilated conv3d as the sum of one 1x1x1 conv per kernel tap over the cells that tap reads. */
function conv3dByTaps(cut: tf.Tensor5D, k: tf.Tensor5D, strides: number[], d: number[]): tf.Tensor5D {
  const kEff = k.shape.slice(0, 3).map((n, i) => effectiveKernel(n, d[i]));
  const [kd, kh, kw, cin, cout] = k.shape;
  const out = [0, 1, 2].map((i) => Math.floor((cut.shape[i + 1] - kEff[i]) / strides[i]) + 1);
  const taps: tf.Tensor5D[] = [];
  for (let a = 0; a < kd; a++) {
    for (let b = 0; b < kh; b++) {
      for (let c = 0; c < kw; c++) {
        const begin = [0, a * d[0], b * d[1], c * d[2], 0];
        const end = [cut.shape[0], ...out.map((o, i) => begin[i + 1] + (o - 1) * strides[i] + 1), cin];
        const cells = tf.stridedSlice(cut, begin, end, [1, ...strides, 1]) as tf.Tensor5D;
        taps.push(tf.conv3d(cells, tf.slice(k, [a, b, c, 0, 0], [1, 1, 1, cin, cout]), 1, 'valid', 'NDHWC'));
      }
    }
  }
  return tf.addN(taps);
}

/** TF.js's depthwise conv; XNNPACK's turns NaN into -inf whatever the kernel size. */
const depthwise2d = (x: tf.Tensor4D, k: tf.Tensor4D, s: [number, number], d: [number, number]) => {
  const run = (a: tf.Tensor4D, b: tf.Tensor4D) => depthwiseWhereTaken(a, b, s, 'valid', d);
  return quirk.xnnpackTurnsNaNToMinusInf() ? withNaNWindows(x, k, run) : run(x, k);
};

/**
 * tf.depthwiseConv2d, composed from calls the backend's kernel takes where it refuses a dilation or
 * unequal strides (quirks.ts). validConv never asks for both a stride and a dilation.
 */
export function depthwiseWhereTaken(x: tf.Tensor4D, k: tf.Tensor4D, s: [number, number], pads: Pads2d, d: [number, number]): tf.Tensor4D {
  if (!allOnes(d) && quirk.lacksDilatedDepthwise()) return composedDilation(x, k, pads, d);
  if (s[0] !== s[1] && quirk.lacksUnequalDepthwiseStrides()) return composedStrides(x, k, s, pads);
  return tf.depthwiseConv2d(x, k, s, pads, 'NHWC', d);
}

/** A stride-1 dilated depthwise conv as an undilated one over the input's phases (atrous). */
export function composedDilation(x: tf.Tensor4D, k: tf.Tensor4D, pads: Pads2d, d: [number, number]): tf.Tensor4D {
  const padded = pads === 'valid' ? x : (pad(x, pads as [number, number][]) as tf.Tensor4D);
  return atrous(padded, d, (phases) => depthwiseWhereTaken(phases, k, [1, 1], 'valid', [1, 1]));
}

/** An undilated depthwise conv at the strides' common divisor, then every (s / divisor)-th output. */
export function composedStrides(x: tf.Tensor4D, k: tf.Tensor4D, s: [number, number], pads: Pads2d): tf.Tensor4D {
  const common = gcd(s[0], s[1]);
  const y = depthwiseWhereTaken(x, k, [common, common], pads, [1, 1]);
  return subsample(y, s.map((v) => v / common)) as tf.Tensor4D;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * A 'valid', stride-1 conv with dilation d, run undilated: each spatial dim is zero-padded at its end
 * to a multiple of d and split into d phases (space to batch), so a dilated tap of the original is a
 * plain tap of a phase; the phases' outputs interleave back (batch to space) and the end cells that
 * only the pad could reach are cropped.
 */
function atrous(x: tf.Tensor4D, d: [number, number], undilated: (phases: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const ends = x.shape.slice(1, 3).map((n, i): [number, number] => [0, (d[i] - (n % d[i])) % d[i]]);
  const phases = tf.spaceToBatchND(x, d, ends);
  return tf.batchToSpaceND(undilated(phases), d, ends);
}
const noDepthwise3d = (): never => {
  throw new Error('TF.js has no 3-D depthwise conv');
};

/**
 * lax.conv_general_dilated with feature_group_count, channels-last: kernel (*k, C_in/groups, C_out);
 * group g reads input channels [g*Cin_g, (g+1)*Cin_g) and writes output channels [g*Cout_g, (g+1)*Cout_g).
 */
export function groupedConv(x: tf.Tensor, kernel: tf.Tensor, geo: ConvWindow, groups: number): tf.Tensor {
  const n = kernel.rank - 2;
  const kSpatial = kernel.shape.slice(0, n);
  if (groups === 1 && n === 2 && (allOnes(geo.strides) || allOnes(geo.dilationRate))) {
    // TF.js's conv2d takes the pads itself: no padded copy of the input.
    const pads = quirk.conv2dSameIsLax() ? geo.padding : (laxPads(x, kSpatial, geo) as tf.backend_util.ExplicitPadding);
    return conv2dPadded(x as tf.Tensor4D, kernel as tf.Tensor4D, geo.strides as [number, number], pads, geo.dilationRate as [number, number]);
  }
  const padded = padSame(x, kSpatial, geo);
  if (groups === 1) return validConv(padded, kernel, geo, conv2d, conv3d);
  const cout = kernel.shape[n + 1];
  if (kernel.shape[n] === 1 && n <= 2) {
    // One input channel per group: TF.js's depthwise conv, kernel (*k, C_in, C_out/groups), same order.
    const dw = tf.reshape(kernel, [...kSpatial, groups, cout / groups]);
    return validConv(padded, dw, geo, depthwise2d, noDepthwise3d);
  }
  const xs = tf.split(padded, groups, n + 1);
  const ks = tf.split(kernel, groups, n + 1);
  return tf.concat(
    xs.map((xg, g) => validConv(xg, ks[g], geo, conv2d, conv3d)),
    n + 1,
  );
}

/** Depthwise as JAX runs it: kernel (*k, C, M) read as (*k, 1, C*M) with groups = C, so out[c*M + m]. */
function depthwise(x: tf.Tensor, kernel: tf.Tensor, geo: ConvWindow): tf.Tensor {
  const n = kernel.rank - 2;
  const [c, m] = kernel.shape.slice(n);
  const grouped = tf.reshape(kernel, [...kernel.shape.slice(0, n), 1, c * m]);
  return groupedConv(x, grouped, geo, c);
}

/** (n-1)*s + 1 cells per spatial dim: s-1 zeros between the cells of x (lax's lhs_dilation). */
export function dilateInput(x: tf.Tensor, strides: number[]): tf.Tensor {
  return strides.reduce((acc, s, d) => {
    if (s === 1) return acc;
    const axis = d + 1;
    const n = acc.shape[axis];
    const expanded = tf.expandDims(acc, axis + 1);
    const spread = pad(expanded, expanded.shape.map((_, a): [number, number] => [0, a === axis + 1 ? s - 1 : 0]));
    const merged = tf.reshape(spread, acc.shape.map((len, a) => (a === axis ? n * s : len)));
    return tf.slice(merged, merged.shape.map(() => 0), merged.shape.map((len, a) => (a === axis ? (n - 1) * s + 1 : len)));
  }, x);
}

/**
 * lax's transposed conv, channels-last, kernel (*k, C_out, C_in): the "full" result of length
 * (n-1)*s + kEff cropped to [crop, crop + len) and zero past its end.
 */
function transposedConv(x: tf.Tensor, kernel: tf.Tensor, geo: ConvWindow, crops: number[], outSpatial: number[]): tf.Tensor {
  const n = kernel.rank - 2;
  const kSpatial = kernel.shape.slice(0, n);
  const [b] = x.shape;
  const cout = kernel.shape[n];
  const spatial = x.shape.slice(1, -1);
  // wasm's conv3dTranspose is wrong (zeros with strides, other values even without), so 3-D takes the
  // general path below on every backend.
  if (allOnes(geo.dilationRate) && n <= 2) {
    const full = spatial.map((len, d) => (len - 1) * geo.strides[d] + kSpatial[d]);
    const y = phased(x, kernel, geo.strides)
      ? phasedTransposedConv(x, kernel, geo.strides, full)
      : nativeTranspose(x, kernel, geo.strides, [b, ...full, cout]);
    return cropOrExtend(y, crops, outSpatial);
  }
  // Otherwise a plain conv over the input dilated by the strides, with the kernel flipped and its channel
  // axes swapped, padded so that output position o reads full[crop + o].
  const xd = dilateInput(x, geo.strides);
  const pads = kSpatial.map((k, d): [number, number] => {
    const kEff = effectiveKernel(k, geo.dilationRate[d]);
    const before = kEff - 1 - crops[d];
    const after = outSpatial[d] + kEff - 1 - before - xd.shape[d + 1];
    return [before, Math.max(after, 0)];
  });
  const padded = pad(xd, [[0, 0], ...pads, [0, 0]]);
  const flipped = transpose(reverse(kernel, kSpatial.map((_, d) => d)), [...kSpatial.map((_, d) => d), n + 1, n]);
  const y = validConv(padded, flipped, { ...geo, strides: geo.strides.map(() => 1), padding: 'valid' }, conv2d, conv3d);
  return cropOrExtend(y, kSpatial.map(() => 0), outSpatial);
}

/** Multiply-adds per output phase from which phases beat a scalar-loop conv2dTranspose (quirks.ts). */
const PHASED_MACS = 1 << 20;

function phased(x: tf.Tensor, kernel: tf.Tensor, strides: number[]): boolean {
  const macs = (x.size / (x.shape[x.rank - 1] as number)) * kernel.size;
  return quirk.transposedConvIsScalarLoop() && macs / strides.reduce((a, b) => a * b, 1) >= PHASED_MACS;
}

/**
 * The full transposed conv (dilation 1, channels-last, kernel (*k, C_out, C_in)) as one stride-1 conv
 * per output phase. Cell q*s + r of a spatial dim sums x[q - j] * w[j*s + r] over j: a full convolution
 * of x with the taps r, r + s, ..., which is a 'valid' conv of x padded by (taps - 1) on each side with
 * those taps reversed. The phases are then interleaved. Unlike a conv over the stride-dilated input, no
 * multiply-add falls on an inserted zero.
 */
function phasedTransposedConv(x: tf.Tensor, kernel: tf.Tensor, strides: number[], full: number[]): tf.Tensor {
  const n = strides.length;
  const axes = strides.map((_, d) => d);
  const kSpatial = kernel.shape.slice(0, n);
  const cells = x.shape.slice(1, -1).map((len, d) => len + Math.ceil(kSpatial[d] / strides[d]) - 1);
  const swapped = transpose(kernel, [...axes, n + 1, n]);
  const phase = (r: number[]): tf.Tensor => {
    const taps = r.map((rd, d) => Math.max(0, Math.ceil((kSpatial[d] - rd) / strides[d])));
    if (taps.includes(0)) return tf.zeros([x.shape[0], ...cells, kernel.shape[n]]);
    const end = swapped.shape.map((len, a) => (a < n ? r[a] + (taps[a] - 1) * strides[a] + 1 : len));
    const step = swapped.shape.map((_, a) => (a < n ? strides[a] : 1));
    const sub = reverse(tf.stridedSlice(swapped, [...r, 0, 0], end, step), axes);
    const padded = pad(x, [[0, 0], ...taps.map((t): [number, number] => [t - 1, t - 1]), [0, 0]]);
    const geo: ConvWindow = { strides: strides.map(() => 1), dilationRate: strides.map(() => 1), padding: 'valid' };
    const y = validConv(padded, sub, geo, conv2d, conv3d);
    return pad(y, [[0, 0], ...y.shape.slice(1, -1).map((len, d): [number, number] => [0, cells[d] - len]), [0, 0]]);
  };
  // Stacking dim d's phases right after its cells, innermost dim first, lays out (q, r) as q*s + r.
  const interleave = (d: number, r: number[]): tf.Tensor =>
    d === n ? phase(r) : tf.stack(Array.from({ length: strides[d] }, (_, rd) => interleave(d + 1, [...r, rd])), d + 2);
  const [b, c] = [x.shape[0], kernel.shape[n]];
  const merged = tf.reshape(interleave(0, []), [b, ...cells.map((q, d) => q * strides[d]), c]);
  return tf.slice(merged, merged.shape.map(() => 0), [b, ...full, c]);
}

/** TF.js's conv2dTranspose, 'valid', to the full output shape (1-D through a 2-D view). */
function nativeTranspose(x: tf.Tensor, kernel: tf.Tensor, strides: number[], fullShape: number[]): tf.Tensor {
  if (strides.length === 2) {
    const shape = fullShape as [number, number, number, number];
    return tf.conv2dTranspose(x as tf.Tensor4D, kernel as tf.Tensor4D, shape, strides as [number, number], 'valid');
  }
  const [b, len, c] = fullShape;
  const x4 = tf.expandDims(x, 1) as tf.Tensor4D;
  const y = tf.conv2dTranspose(x4, tf.expandDims(kernel, 0) as tf.Tensor4D, [b, 1, len, c], [1, strides[0]], 'valid');
  return tf.squeeze(y, [1]);
}

/** y[crop : crop + len] per spatial dim, zero-extended where y ends first. */
function cropOrExtend(y: tf.Tensor, crops: number[], outSpatial: number[]): tf.Tensor {
  const spatial = y.shape.slice(1, -1);
  const kept = spatial.map((len, d) => Math.max(Math.min(outSpatial[d], len - crops[d]), 0));
  const sliced = tf.slice(y, [0, ...crops, 0], [y.shape[0], ...kept, y.shape.at(-1)!]);
  if (kept.every((k, d) => k === outSpatial[d])) return sliced;
  return pad(sliced, [[0, 0], ...kept.map((k, d): [number, number] => [0, outSpatial[d] - k]), [0, 0]]);
}

/**
 * A conv kernel's frame: an empty operand or result is made directly (TF.js's convs reject zero
 * dims); otherwise the input comes channels-last in `dtype` as JAX convolves it, and the channels-last
 * result `body` computes goes back to the data_format and the output dtype.
 */
function channelsLast(
  operands: tf.Tensor[],
  out: ConcreteSpec,
  dataFormat: DataFormat,
  dtype: DType,
  body: (x: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  if (operands.some((t) => isEmpty(t.shape)) || isEmpty(out.shape)) return tf.zeros(out.shape, out.dtype);
  const y = body(toChannelsLast(operand(operands[0], dtype), dataFormat));
  return cast(fromChannelsLast(y, dataFormat), out.dtype);
}

/**
 * separable_conv's depthwise result, from its channels-last input in the depthwise dtype, as the pointwise
 * conv reads it: JAX stores it in its dtype, then casts it to the pointwise kernel's, `dtype`.
 */
export function separableMid(x: tf.Tensor, dw: tf.Tensor, attrs: SeparableConvAttrs, dtype: DType): tf.Tensor {
  return operand(cast(depthwise(x, operand(dw, attrs.depthwiseDtype), attrs), attrs.depthwiseDtype), dtype);
}

/** separable_conv's pointwise conv: stride 1, 'valid', the dilation kept. */
export const pointwiseWindow = (attrs: ConvWindow): ConvWindow => ({ ...attrs, strides: attrs.strides.map(() => 1), padding: 'valid' });

export const convKernels: ConvKernels = {
  conv: ({ inputs, kernel }, attrs, out) =>
    channelsLast([inputs, kernel], out, attrs.dataFormat, out.dtype, (x) =>
      groupedConv(x, operand(kernel, out.dtype), attrs, attrs.groups),
    ),
  depthwise_conv: ({ inputs, kernel }, attrs, out) =>
    channelsLast([inputs, kernel], out, attrs.dataFormat, out.dtype, (x) => depthwise(x, operand(kernel, out.dtype), attrs)),
  separable_conv: ({ inputs, depthwise_kernel: dw, pointwise_kernel: pw }, attrs, out) =>
    channelsLast([inputs, dw, pw], out, attrs.dataFormat, attrs.depthwiseDtype, (x) =>
      groupedConv(separableMid(x, dw, attrs, out.dtype), operand(pw, out.dtype), pointwiseWindow(attrs), attrs.pointwiseGroups),
    ),
  conv_transpose: ({ inputs, kernel }, attrs, out) =>
    channelsLast([inputs, kernel], out, attrs.dataFormat, out.dtype, (x) => {
      const crops = convTransposeCrops(kernel.shape, attrs);
      const outSpatial = splitChannels(out.shape, attrs.dataFormat).spatial;
      return transposedConv(x, operand(kernel, out.dtype), attrs, crops, outSpatial);
    }),
};
