/**
 * TF.js max_pool and average_pool, channels-last (wasm rejects NCHW: channels_first goes through a
 * transpose), 1-D through a 2-D view with a unit height, 'same' as lax's explicit pads (odd cell at the
 * end). max_pool: TF.js's 2-D max pool, plus NaN propagation; average_pool: float32 window sums by a
 * depthwise conv, divided by the number of real cells. int32 goes tap by tap, exactly.
 * adaptive_max_pool and adaptive_average_pool: one spatial dim after the other, as Keras-JAX pools them,
 * a gather per window tap.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { backend_util } from '@tensorflow/tfjs-core';
import type { ConcreteSpec, DType } from '../../src/dtypes.js';
import type { Padding } from '../../src/ops/args.js';
import { adaptiveWindows, type AdaptivePoolAttrs, type AdaptiveWindow, type PoolAttrs } from '../../src/ops/pooling.js';
import { splitChannels, windowPads } from '../../src/ops/shapes.js';
import type { Kernels } from '../../src/ops/table.js';
import { cast, pad, transpose, where } from './gpu-layout.js';
import { div, maxPoolBelowGpuStart } from './gpu-math.js';
import { depthwiseWhereTaken } from './conv.js';
import { allFinite } from './host-reads.js';
import { fromChannelsLast, isEmpty, singleWindowCut, takeStrided, toChannelsLast } from './layout.js';
import { quirk } from './quirks.js';

type Kind = 'max' | 'average';
type ExplicitPadding = backend_util.ExplicitPadding;

/**
 * Every tap of the pooling windows of a channels-last tensor, in row-major window order (as XLA's
 * reduce_window walks them): pads with `padValue`, then per tap a strided view of the output's size.
 */
export function windowTaps(x: tf.Tensor, attrs: PoolAttrs, outSpatial: number[], padValue: number): tf.Tensor[] {
  const { poolSize: k, strides: s } = attrs;
  const pads = x.shape.slice(1, -1).map((n, d): [number, number] => {
    const [before, after] = windowPads(n, k[d], s[d], 1, attrs.padding);
    // Room for the last tap's view of outSpatial[d] * s[d] cells; cells past the window are never kept.
    return [before, Math.max(after, k[d] - 1 + outSpatial[d] * s[d] - n - before)];
  });
  const padded = pad(x, [[0, 0], ...pads, [0, 0]], padValue);
  const taps: tf.Tensor[] = [];
  const walk = (y: tf.Tensor, d: number): void => {
    if (d === k.length) {
      taps.push(y);
      return;
    }
    for (let t = 0; t < k[d]; t++) walk(takeStrided(y, d + 1, t, outSpatial[d], s[d]), d + 1);
  };
  walk(padded, 0);
  return taps;
}

/** Reduces every pooling window tap by tap, in windowTaps' order. */
function reduceWindows(
  x: tf.Tensor,
  attrs: PoolAttrs,
  outSpatial: number[],
  padValue: number,
  combine: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  return windowTaps(x, attrs, outSpatial, padValue).reduce((acc, tap) => combine(acc, tap));
}

/** Per output position, the number of real (unpadded) cells in its window: shape (1, ...out, 1). */
export function windowCounts(spatial: number[], attrs: PoolAttrs, outSpatial: number[]): tf.Tensor {
  const perDim = spatial.map((n, d) => {
    const { poolSize: k, strides: s } = attrs;
    const [before] = windowPads(n, k[d], s[d], 1, attrs.padding);
    return Array.from({ length: outSpatial[d] }, (_, o) => {
      const start = o * s[d] - before;
      return Math.min(start + k[d], n) - Math.max(start, 0);
    });
  });
  const counts = perDim.reduce<number[]>((acc, c) => acc.flatMap((a) => c.map((b) => a * b)), [1]);
  return tf.tensor(counts, [1, ...outSpatial, 1], 'float32');
}

/**
 * lax's 'same' pads of a channels-last tensor's spatial dims, as TF.js's explicit padding. TF.js's own
 * 'same' is not used: in 3-D it does not clamp a negative total pad (a window smaller than its stride)
 * at 0, and wasm's depthwise conv with it returns zeros for some shapes (input 5x2, window 2x1, strides 3x2).
 */
export function explicitPads(x: tf.Tensor, k: number[], s: number[], padding: Padding): [number, number][] {
  return [[0, 0], ...x.shape.slice(1, -1).map((n, i) => windowPads(n, k[i], s[i], 1, padding)), [0, 0]];
}

/**
 * Window sums of a channels-last float32 tensor in float32, as XLA's reduce_window adds (so 3e38-scale
 * inputs overflow to inf and NaN propagates): a depthwise conv with a ones kernel, whose products are
 * exact. TF.js's avgPool does not: cpu sums in float64, XNNPACK's turns NaN into -inf. 3-D: a conv3d
 * with one channel, the channels moved into the batch.
 */
function windowSums(x: tf.Tensor, attrs: PoolAttrs): tf.Tensor {
  const { poolSize: k, strides: s, padding } = attrs;
  const c = x.shape.at(-1)!;
  if (k.length === 1) {
    const sums = windowSums(tf.expandDims(x, 1), { ...attrs, poolSize: [1, k[0]], strides: [1, s[0]] });
    return tf.squeeze(sums, [1]);
  }
  if (k.length === 2) {
    const ones = tf.ones([k[0], k[1], c, 1]) as tf.Tensor4D;
    const pads = explicitPads(x, k, s, padding) as ExplicitPadding;
    return depthwiseWhereTaken(x as tf.Tensor4D, ones, s as [number, number], pads, [1, 1]);
  }
  const padded = singleWindowCut(pad(x, explicitPads(x, k, s, padding)), k, s);
  const [b, d, h, w] = padded.shape;
  const planes = tf.reshape(transpose(padded, [0, 4, 1, 2, 3]), [b * c, d, h, w, 1]) as tf.Tensor5D;
  const ones = tf.ones([k[0], k[1], k[2], 1, 1]) as tf.Tensor5D;
  const strides = s.map((v, i) => (padded.shape[i + 1] === k[i] ? 1 : v)) as [number, number, number];
  const sums = tf.conv3d(planes, ones, strides, 'valid');
  return transpose(tf.reshape(sums, [b, c, ...sums.shape.slice(1, 4)]), [0, 2, 3, 4, 1]);
}

/**
 * Keras-JAX's average: the window sum in the input's dtype (int32 exactly, tap by tap, then converted),
 * divided in float32 by the number of real cells. A one-cell window is a strided view, tap by tap too:
 * wasm's 1x1 depthwise conv (XNNPACK) turns NaN into -inf.
 */
function averagePool(x: tf.Tensor, attrs: PoolAttrs, outSpatial: number[]): tf.Tensor {
  const oneCell = attrs.poolSize.every((k) => k === 1);
  const sums =
    x.dtype === 'int32' || oneCell
      ? cast(reduceWindows(x, attrs, outSpatial, 0, tf.add), 'float32')
      : windowSums(cast(x, 'float32'), attrs);
  if (attrs.padding === 'valid') return div(sums, tf.scalar(attrs.poolSize.reduce((a, b) => a * b, 1)));
  return div(sums, windowCounts(x.shape.slice(1, -1), attrs, outSpatial));
}

/**
 * TF.js's 2-D max pool on a channels-last tensor of 1 to 3 spatial dims. A window max is separable,
 * and so are the pads, so 3-D pools the (H, W) planes, then depth as a (D, 1) window: wasm's maxPool3d
 * starts its max at FLT_MIN (1.2e-38), not -inf.
 */
function nativeMaxPool(x: tf.Tensor, attrs: PoolAttrs): tf.Tensor {
  const { poolSize: k, strides: s, padding } = attrs;
  if (k.length === 1) {
    const y = nativeMaxPool(tf.expandDims(x, 1), { ...attrs, poolSize: [1, k[0]], strides: [1, s[0]] });
    return tf.squeeze(y, [1]);
  }
  if (k.length === 2) {
    const pads = explicitPads(x, k, s, padding);
    const padded = pads.some(([a, b]) => a + b > 0) ? pad(x, pads, -Infinity) : x;
    return tf.maxPool(padded as tf.Tensor4D, k as [number, number], s as [number, number], 'valid');
  }
  const [b, d, h, w, c] = x.shape;
  const planes = nativeMaxPool(tf.reshape(x, [b * d, h, w, c]), { ...attrs, poolSize: k.slice(1), strides: s.slice(1) });
  const [, h2, w2] = planes.shape;
  const depth = nativeMaxPool(tf.reshape(planes, [b, d, h2 * w2, c]), { ...attrs, poolSize: [k[0], 1], strides: [s[0], 1] });
  return tf.reshape(depth, [b, depth.shape[1] as number, h2, w2, c]);
}

/**
 * lax.max propagates NaN; TF.js's max pools do not (cpu compares with `>`; XNNPACK and wasm's
 * maximum keep NaN from one operand only). A window holding a NaN is found by pooling a mask of the
 * NaNs. Where a window's max starts at -inf, that is all; elsewhere the same mask also marks the cells
 * above -inf (NaN 2, above 1, -inf 0), so one pool finds both (quirks.ts: maxPoolStartsAtMinusInf).
 */
function maxPoolFloat(x: tf.Tensor, attrs: PoolAttrs): tf.Tensor {
  const native = maxPoolBelowGpuStart(x, (t) => nativeMaxPool(t, attrs));
  // Without NaN or infinity in x, TF.js's pool is lax's (host-reads.ts: one pass, not four and a pool).
  if (allFinite(x)) return native;
  const nan = tf.isNaN(x);
  const fromMinusInf = quirk.maxPoolStartsAtMinusInf();
  const code = fromMinusInf ? cast(nan, 'float32') : where(nan, tf.fill(x.shape, 2), cast(tf.greater(x, -Infinity), 'float32'));
  const pooled = nativeMaxPool(code, attrs);
  const finite = fromMinusInf ? native : where(tf.equal(pooled, 0), tf.fill(native.shape, -Infinity), native);
  return where(tf.equal(pooled, fromMinusInf ? 1 : 2), tf.fill(native.shape, NaN), finite);
}

function pool(x: tf.Tensor, attrs: PoolAttrs, out: ConcreteSpec, kind: Kind): tf.Tensor {
  if (isEmpty(x.shape) || isEmpty(out.shape)) return tf.zeros(out.shape, out.dtype);
  const xl = toChannelsLast(x, attrs.dataFormat);
  const outSpatial = splitChannels(out.shape, attrs.dataFormat).spatial;
  let y: tf.Tensor;
  if (kind === 'average') {
    y = averagePool(xl, attrs, outSpatial);
  } else if (xl.dtype === 'int32') {
    // Exact: TF.js max pools are float32 only (wasm rejects int32, elsewhere |v| > 2^24 would round).
    y = reduceWindows(xl, attrs, outSpatial, -2147483648, tf.maximum);
  } else if (xl.dtype === 'bool') {
    y = nativeMaxPool(cast(xl, 'float32'), attrs);
  } else {
    y = maxPoolFloat(xl, attrs);
  }
  return cast(fromChannelsLast(y, attrs.dataFormat), out.dtype);
}

/** One value per output cell along `axis`, shaped to broadcast against a rank-`rank` tensor. */
function alongAxis(values: number[] | boolean[], rank: number, axis: number, dtype: 'float32' | 'bool'): tf.Tensor {
  return tf.tensor(values, Array.from({ length: rank }, (_, a) => (a === axis ? values.length : 1)), dtype);
}

const tapCount = (windows: AdaptiveWindow[]) => Math.max(...windows.map((w) => w.size));

/**
 * Window means along `axis` bit for bit as XLA computes them: tap by tap, in order, in the input's
 * dtype (int32 exactly), a tap past a window's end reading an appended 0; then times the float32
 * reciprocal of each window's size, as XLA divides by a constant.
 */
function adaptiveMeanAxis(x: tf.Tensor, axis: number, windows: AdaptiveWindow[]): tf.Tensor {
  const n = x.shape[axis];
  const padded = pad(x, x.shape.map((_, a): [number, number] => [0, a === axis ? 1 : 0]));
  let sum: tf.Tensor | null = null;
  for (let t = 0; t < tapCount(windows); t++) {
    const tap = tf.gather(padded, windows.map((w) => (w.inside && t < w.size ? w.start + t : n)), axis);
    sum = sum === null ? tap : tf.add(sum, tap);
  }
  return tf.mul(cast(sum!, 'float32'), alongAxis(windows.map((w) => Math.fround(1 / w.size)), x.rank, axis, 'float32'));
}

/** Window maxima along `axis`, tap by tap; a tap past a window's end reads its last cell again. */
function adaptiveMaxAxis(x: tf.Tensor, axis: number, windows: AdaptiveWindow[]): tf.Tensor {
  let max: tf.Tensor | null = null;
  for (let t = 0; t < tapCount(windows); t++) {
    const tap = tf.gather(x, windows.map((w) => (w.inside ? w.start + Math.min(t, w.size - 1) : 0)), axis);
    max = max === null ? tap : tf.maximum(max, tap);
  }
  return max!;
}

/**
 * lax.max propagates NaN, and TF.js's maximum need not: a NaN mask rides along as more channels
 * (channels-last: the last axis), so the same gathers find the windows that hold a NaN.
 */
function adaptiveNaNMaxAxis(x: tf.Tensor, axis: number, windows: AdaptiveWindow[]): tf.Tensor {
  const last = x.rank - 1;
  const c = x.shape[last];
  const both = adaptiveMaxAxis(tf.concat([x, cast(tf.isNaN(x), 'float32')], last), axis, windows);
  const begin = both.shape.map(() => 0);
  const max = tf.slice(both, begin, both.shape.map((d, a) => (a === last ? c : d)));
  const nan = tf.slice(both, begin.map((_, a) => (a === last ? c : 0)), max.shape);
  return where(tf.greater(nan, 0), tf.scalar(NaN), max);
}

/** What jnp.take gives for a window out of its range: NaN, INT32_MIN, or True (1 while bools pool as float32). */
const fillOf = (dtype: DType): number => (dtype === 'int32' ? -2147483648 : dtype === 'bool' ? 1 : NaN);

/**
 * `y` pooled along `axis` to `size` cells; `dtype` is the op's output dtype. Without NaN or infinity in
 * y, TF.js's maximum is lax.max (host-reads.ts: one pass, not a NaN mask riding along).
 */
export function adaptiveAxis(y: tf.Tensor, axis: number, size: number, kind: Kind, dtype: DType): tf.Tensor {
  const windows = adaptiveWindows(y.shape[axis], size);
  const pooled =
    kind === 'average' ? adaptiveMeanAxis(y, axis, windows)
      : dtype === 'float32' && !allFinite(y) ? adaptiveNaNMaxAxis(y, axis, windows)
        : adaptiveMaxAxis(y, axis, windows);
  if (windows.every((w) => w.inside)) return pooled;
  const fill = tf.scalar(fillOf(dtype), pooled.dtype);
  return where(alongAxis(windows.map((w) => w.inside), y.rank, axis, 'bool'), pooled, fill);
}

/** Channels-last, one spatial dim after the other; bools pool as float32 (TF.js's maximum takes no bool). */
function adaptivePool(x: tf.Tensor, attrs: AdaptivePoolAttrs, out: ConcreteSpec, kind: Kind): tf.Tensor {
  if (isEmpty(x.shape) || isEmpty(out.shape)) return tf.zeros(out.shape, out.dtype);
  let y = toChannelsLast(x.dtype === 'bool' ? cast(x, 'float32') : x, attrs.dataFormat);
  attrs.outputSize.forEach((size, d) => {
    y = adaptiveAxis(y, d + 1, size, kind, out.dtype);
  });
  return cast(fromChannelsLast(y, attrs.dataFormat), out.dtype);
}

export const poolingKernels: Pick<Kernels<tf.Tensor>, 'max_pool' | 'average_pool' | 'adaptive_max_pool' | 'adaptive_average_pool'> = {
  max_pool: ({ inputs }, attrs, out) => pool(inputs, attrs, out, 'max'),
  average_pool: ({ inputs }, attrs, out) => pool(inputs, attrs, out, 'average'),
  adaptive_max_pool: ({ inputs }, attrs, out) => adaptivePool(inputs, attrs, out, 'max'),
  adaptive_average_pool: ({ inputs }, attrs, out) => adaptivePool(inputs, attrs, out, 'average'),
};
