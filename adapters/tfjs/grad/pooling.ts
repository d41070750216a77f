/**
 * Backward rules of the pools: jax.vjp of Keras's ops on JAX (the reference's grad/pooling.ts says which
 * cell XLA's select_and_scatter picks and in what order XLA adds), with TF.js ops over the forward's
 * window taps (pooling.ts). A max window's cotangent goes to the tap a scan over its taps chooses, a sum's
 * to every tap; each tap's shares then go back to their cells as the output spread by the strides and
 * shifted by the tap's offset, the taps in reverse so that each cell adds its shares in row-major output
 * order, as XLA does. grad/overrides.ts says where TF.js's own pool gradients differ.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adaptiveWindows, dividesByReciprocal, type AdaptivePoolAttrs, type AdaptiveWindow, type PoolAttrs } from '../../../src/ops/pooling.js';
import { windowPads } from '../../../src/ops/shapes.js';
import type { Vjps } from '../../../src/ops/table.js';
import { flushSubnormals } from '../activations.js';
import { dilateInput } from '../conv.js';
import { pad, where } from '../gpu-layout.js';
import { div } from '../gpu-math.js';
import { fromChannelsLast, isEmpty, toChannelsLast } from '../layout.js';
import { adaptiveAxis, windowCounts, windowTaps } from '../pooling.js';
import { select } from './lax.js';

type PoolingVjps = Required<Pick<Vjps<tf.Tensor>, 'max_pool' | 'average_pool' | 'adaptive_max_pool' | 'adaptive_average_pool'>>;

/** Tap t's offset in each spatial dim of a window of `k` (taps in row-major order). */
function tapOffsets(t: number, k: number[]): number[] {
  const offsets = new Array<number>(k.length);
  let rest = t;
  for (let d = k.length - 1; d >= 0; d--) {
    offsets[d] = rest % k[d];
    rest = Math.floor(rest / k[d]);
  }
  return offsets;
}

/**
 * The sum over the taps of each one's shares in place: `share(t)` at the output's positions spread by the
 * strides (dilateInput), shifted by t's offsets into the padded input; then lax's pads cut off.
 */
function scatterTaps(share: (t: number) => tf.Tensor, inShape: number[], attrs: PoolAttrs): tf.Tensor {
  const { poolSize: k, strides: s } = attrs;
  const spatial = inShape.slice(1, -1);
  const pads = spatial.map((n, d) => windowPads(n, k[d], s[d], 1, attrs.padding));
  let sum: tf.Tensor | null = null;
  for (let t = k.reduce((a, b) => a * b, 1) - 1; t >= 0; t--) {
    const y = share(t);
    const at = tapOffsets(t, k);
    const room = spatial.map((n, d): [number, number] => [at[d], n + pads[d][0] + pads[d][1] - at[d] - y.shape[d + 1]]);
    const placed = pad(y, [[0, 0], ...room, [0, 0]]);
    sum = sum === null ? placed : tf.add(sum, placed);
  }
  return tf.slice(sum!, [0, ...pads.map(([before]) => before), 0], inShape);
}

/**
 * The tap select_and_scatter with `>=` picks in each window: the chosen one stays while it is >= the next
 * (the first of tied maxima; after a NaN, the tap that follows it). Counted from 1, so that the zeros
 * dilateInput spreads it with choose no tap.
 */
function chosenTap(taps: tf.Tensor[]): tf.Tensor {
  let best = taps[0];
  let chosen = tf.onesLike(best);
  taps.slice(1).forEach((tap, i) => {
    const moves = tf.logicalNot(tf.greaterEqual(best, tap));
    best = where(moves, tap, best);
    chosen = where(moves, tf.scalar(i + 2), chosen);
  });
  return chosen;
}

/** max_pool's, channels-last: XLA reads subnormals as 0, and padding as -inf, which can be chosen too. */
function maxT(x: tf.Tensor, dy: tf.Tensor, attrs: PoolAttrs): tf.Tensor {
  const taps = windowTaps(flushSubnormals(x), attrs, dy.shape.slice(1, -1), -Infinity);
  const chosen = dilateInput(chosenTap(taps), attrs.strides);
  const spread = dilateInput(dy, attrs.strides);
  return scatterTaps((t) => select(tf.equal(chosen, t + 1), spread), x.shape, attrs);
}

/**
 * average_pool's, channels-last: dy divided as Keras-JAX divides the sums, by pool size's product
 * ('valid') or the count of real cells ('same'), as a product with the divisor's float32 reciprocal where
 * XLA takes it so (dividesByReciprocal); then to every tap.
 */
function averageT(dy: tf.Tensor, inShape: number[], attrs: PoolAttrs): tf.Tensor {
  const outSpatial = dy.shape.slice(1, -1);
  const counts =
    attrs.padding === 'valid' ? tf.scalar(attrs.poolSize.reduce((a, b) => a * b, 1)) : windowCounts(inShape.slice(1, -1), attrs, outSpatial);
  const channelsLast = { ...attrs, dataFormat: 'channels_last' as const };
  const shares = dividesByReciprocal(dy.shape, channelsLast) ? tf.mul(dy, div(1, counts)) : div(dy, counts);
  const spread = dilateInput(shares, attrs.strides);
  return scatterTaps(() => spread, inShape, attrs);
}

function pool(x: tf.Tensor, dy: tf.Tensor, attrs: PoolAttrs, kind: 'max' | 'average'): { inputs: tf.Tensor } {
  if (isEmpty(x.shape) || isEmpty(dy.shape)) return { inputs: tf.zerosLike(x) };
  const [xl, g] = [toChannelsLast(x, attrs.dataFormat), toChannelsLast(dy, attrs.dataFormat)];
  return { inputs: fromChannelsLast(kind === 'max' ? maxT(xl, g, attrs) : averageT(g, xl.shape, attrs), attrs.dataFormat) };
}

/**
 * jnp.take's transpose into the pool of `k`-cell windows along `axis` (n - k + 1 of them): each output's
 * cotangent added at its window's start, outputs in order; a window past the end (jnp.take's fill) adds
 * nothing.
 */
function intoPool(dy: tf.Tensor, axis: number, windows: AdaptiveWindow[], k: number, n: number): tf.Tensor {
  const size = dy.shape[axis];
  const sources = Array.from({ length: n - k + 1 }, () => [] as number[]);
  windows.forEach((w, i) => {
    if (w.inside && w.size === k) sources[w.start].push(i);
  });
  const depth = Math.max(0, ...sources.map((from) => from.length));
  if (!depth) return tf.zeros(dy.shape.map((len, a) => (a === axis ? sources.length : len)));
  // Index `size` reads a zero appended along the axis.
  const padded = pad(dy, dy.shape.map((_, a): [number, number] => [0, a === axis ? 1 : 0]));
  let sum: tf.Tensor | null = null;
  for (let r = 0; r < depth; r++) {
    const nth = tf.gather(padded, sources.map((from) => from[r] ?? size), axis);
    sum = sum === null ? nth : tf.add(sum, nth);
  }
  return sum!;
}

/**
 * One adaptive stage's, channels-last: Keras-JAX pools the dim of n cells by two stride-1 reduce_windows
 * of ceil(n / size) cells and one more and takes each output from one of them, so each pool's share goes
 * back as a max_pool or average_pool of its windows, and the two add up.
 */
function adaptiveStageT(input: tf.Tensor | null, dy: tf.Tensor, axis: number, n: number, size: number): tf.Tensor {
  const windows = adaptiveWindows(n, size);
  const small = Math.ceil(n / size);
  const inShape = dy.shape.map((len, a) => (a === axis ? n : len));
  const paths = [small, small + 1]
    .filter((k) => k <= n)
    .map((k) => {
      const attrs: PoolAttrs = {
        poolSize: inShape.slice(1, -1).map((_, d) => (d + 1 === axis ? k : 1)),
        strides: inShape.slice(1, -1).map(() => 1),
        padding: 'valid',
        dataFormat: 'channels_last',
      };
      const pooled = intoPool(dy, axis, windows, k, n);
      return input ? maxT(input, pooled, attrs) : averageT(pooled, inShape, attrs);
    });
  return paths.reduce((a, b) => tf.add(a, b));
}

/** What each stage of adaptive_max_pool's forward pooled, channels-last: the input, then each stage's result. */
function maxStageInputs(xl: tf.Tensor, outputSize: number[]): tf.Tensor[] {
  const inputs = [xl];
  outputSize.slice(0, -1).forEach((size, d) => inputs.push(adaptiveAxis(inputs[d], d + 1, size, 'max', 'float32')));
  return inputs;
}

/** The adaptive pools': the stages in reverse, each from its output's shape back to its input's. */
function adaptivePool(x: tf.Tensor, dy: tf.Tensor, attrs: AdaptivePoolAttrs, kind: 'max' | 'average'): { inputs: tf.Tensor } {
  if (isEmpty(x.shape) || isEmpty(dy.shape)) return { inputs: tf.zerosLike(x) };
  const xl = toChannelsLast(x, attrs.dataFormat);
  const stageInputs = kind === 'max' ? maxStageInputs(xl, attrs.outputSize) : null;
  let g = toChannelsLast(dy, attrs.dataFormat);
  for (let d = attrs.outputSize.length - 1; d >= 0; d--) {
    g = adaptiveStageT(stageInputs?.[d] ?? null, g, d + 1, xl.shape[d + 1], attrs.outputSize[d]);
  }
  return { inputs: fromChannelsLast(g, attrs.dataFormat) };
}

export const poolingVjps: PoolingVjps = {
  max_pool: ({ inputs }, attrs, _out, dy) => pool(inputs, dy, attrs, 'max'),
  average_pool: ({ inputs }, attrs, _out, dy) => pool(inputs, dy, attrs, 'average'),
  adaptive_max_pool: ({ inputs }, attrs, _out, dy) => adaptivePool(inputs, dy, attrs, 'max'),
  adaptive_average_pool: ({ inputs }, attrs, _out, dy) => adaptivePool(inputs, dy, attrs, 'average'),
};
