/**
 * Reference unfold, fold, depth_to_space and space_to_depth.
 *
 * Keras-JAX runs unfold and fold as convolutions with an identity kernel, so XLA computes each output as
 * its own input times 1 plus every other input of its window times 0, added from +0: an infinity or a
 * NaN turns the rest of its window into NaN (inf * 0), and -0 comes out +0 (sumsFromZero). Both are
 * followed here, as is XLA's flush of float32 subnormals to a zero of their sign. fold adds overlapping
 * windows in float64 and rounds once; XLA adds them in float32 in an order that depends on the shapes
 * (taps ascending for some, descending or blocked for others), so sums of two or more windows may
 * differ from Keras in their last float32 bits.
 */
import type { ConcreteSpec } from '../../src/dtypes.js';
import type { BlockAttrs, FoldAttrs, UnfoldAttrs } from '../../src/ops/patches.js';
import type { Kernels } from '../../src/ops/table.js';
import { fromValues, sizeOf, transpose, values, type RefArray } from './ndarray.js';

const nonFinite = (v: number): number => (Number.isFinite(v) ? 0 : 1);
const F32_MIN_NORMAL = 2 ** -126;
const flush = (v: number): number => (Math.abs(v) < F32_MIN_NORMAL ? v * 0 : v);

/** One window's output for tap `own` of a window holding `bad` non-finite values. */
function tapValue(own: number, bad: number, sumsFromZero: boolean): number {
  if (bad - nonFinite(own) > 0) return NaN;
  return sumsFromZero ? flush(own) + 0 : flush(own);
}

/**
 * The windows of every [h, w] plane of `shape` ([..., h, w]), raw, as [planes, taps, L]: what unfold
 * gathers, and what fold's backward gathers of its cotangent (its offset read as the padding).
 */
export function windowValues(v: Float64Array, shape: readonly number[], attrs: UnfoldAttrs): Float64Array {
  const [h, w] = shape.slice(-2);
  const planes = sizeOf(shape.slice(0, -2));
  const taps = attrs.kernelSize[0] * attrs.kernelSize[1];
  const length = attrs.blocks[0] * attrs.blocks[1];
  const result = new Float64Array(planes * taps * length);
  const window = new Float64Array(taps);
  for (let plane = 0; plane < planes; plane++) {
    for (let l = 0; l < length; l++) {
      readWindow(v, plane * h * w, [h, w], Math.floor(l / attrs.blocks[1]), l % attrs.blocks[1], attrs, window);
      for (let t = 0; t < taps; t++) result[(plane * taps + t) * length + l] = window[t];
    }
  }
  return result;
}

/**
 * Raw windows `v` of `shape` [groups, size, L] as the identity kernel adds them: each value with the
 * group's other values of its block times 0 (unfold's groups are planes, fold's backward's whole blocks).
 */
export function asWindowSums(v: Float64Array, shape: readonly number[], sumsFromZero: boolean): Float64Array {
  const [, size, length] = shape;
  const bad = badCounts(v, shape);
  return v.map((value, k) => tapValue(value, bad[Math.floor(k / (size * length)) * length + (k % length)], sumsFromZero));
}

function unfold(x: RefArray, attrs: UnfoldAttrs, out: ConcreteSpec): RefArray {
  const [n, c] = x.shape;
  const taps = attrs.kernelSize[0] * attrs.kernelSize[1];
  const windows = windowValues(values(x), x.shape, attrs);
  return fromValues(asWindowSums(windows, [n * c, taps, attrs.blocks[0] * attrs.blocks[1]], attrs.sumsFromZero), out.shape, out.dtype);
}

/** Fills `window` with block (a, b) of one plane, jnp.pad's zeros outside it. */
function readWindow(v: Float64Array, base: number, [h, w]: number[], a: number, b: number, attrs: UnfoldAttrs, window: Float64Array): void {
  const { kernelSize: [kH, kW], dilation: [dH, dW], stride: [sH, sW], padding: [pH, pW] } = attrs;
  for (let i = 0; i < kH; i++) {
    const y = a * sH + i * dH - pH;
    for (let j = 0; j < kW; j++) {
      const col = b * sW + j * dW - pW;
      window[i * kW + j] = y >= 0 && y < h && col >= 0 && col < w ? v[base + y * w + col] : 0;
    }
  }
}

/** Per group (a batch entry, or a plane) and block, how many of its values are NaN or infinite. */
function badCounts(v: Float64Array, [n, ckk, length]: readonly number[]): Int32Array {
  const counts = new Int32Array(n * length);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < ckk; q++) {
      for (let l = 0; l < length; l++) counts[b * length + l] += nonFinite(v[(b * ckk + q) * length + l]);
    }
  }
  return counts;
}

/**
 * Block (a, b)'s tap (i, j) lands at (a*sH + i*dH, b*sW + j*dW) of the padded image, which the output
 * shows from `offset` on.
 */
export function fold(x: RefArray, attrs: FoldAttrs, out: ConcreteSpec): RefArray {
  const result = new Float64Array(sizeOf(out.shape));
  if (result.length === 0) return fromValues(result, out.shape, out.dtype);
  const v = values(x);
  const [n, ckk, length] = x.shape;
  const [, c, oh, ow] = out.shape;
  const bad = badCounts(v, x.shape);
  const { kernelSize: [kH, kW], blocks: [nH, nW], sumsFromZero } = attrs;
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < ckk; q++) {
      const t = q % (kH * kW);
      const plane = (b * c + Math.floor(q / (kH * kW))) * oh * ow;
      for (let l = 0; l < nH * nW; l++) {
        const at = landing(attrs, Math.floor(t / kW), t % kW, Math.floor(l / nW), l % nW, oh, ow);
        if (at < 0) continue;
        const value = tapValue(v[(b * ckk + q) * length + l], bad[b * length + l], false);
        result[plane + at] = sumsFromZero ? result[plane + at] + value : value;
      }
    }
  }
  return fromValues(result.map(flush), out.shape, out.dtype);
}

/** Where tap (i, j) of block (a, b) lands in an oh x ow output plane, or -1 where the crop cuts it. */
function landing(attrs: FoldAttrs, i: number, j: number, a: number, b: number, oh: number, ow: number): number {
  const { dilation: [dH, dW], stride: [sH, sW], offset: [top, left] } = attrs;
  const y = a * sH + i * dH - top;
  const col = b * sW + j * dW - left;
  return y >= 0 && y < oh && col >= 0 && col < ow ? y * ow + col : -1;
}

/**
 * JAX's rank-6 view and transpose: depth_to_space reads channels as (bH, bW, C) channels-last and as
 * (C, bH, bW) channels-first (PyTorch's pixel shuffle), space_to_depth writes them the same ways.
 */
export function depthToSpace(x: RefArray, { blockSize: bs, dataFormat }: BlockAttrs, out: ConcreteSpec): RefArray {
  const last = dataFormat === 'channels_last';
  const [n, h, w] = last ? x.shape : [x.shape[0], x.shape[2], x.shape[3]];
  const depth = last ? out.shape[3] : out.shape[1];
  const view = last ? [n, h, w, bs, bs, depth] : [n, depth, bs, bs, h, w];
  return fromValues(transpose(values(x), view, last ? [0, 1, 3, 2, 4, 5] : [0, 1, 4, 2, 5, 3]), out.shape, out.dtype);
}

export function spaceToDepth(x: RefArray, { blockSize: bs, dataFormat }: BlockAttrs, out: ConcreteSpec): RefArray {
  const last = dataFormat === 'channels_last';
  const [n, c] = last ? [x.shape[0], x.shape[3]] : [x.shape[0], x.shape[1]];
  const [rows, cols] = last ? [out.shape[1], out.shape[2]] : [out.shape[2], out.shape[3]];
  const view = last ? [n, rows, bs, cols, bs, c] : [n, c, rows, bs, cols, bs];
  return fromValues(transpose(values(x), view, last ? [0, 1, 3, 2, 4, 5] : [0, 1, 3, 5, 2, 4]), out.shape, out.dtype);
}

export const patchesKernels: Pick<Kernels<RefArray>, 'unfold' | 'fold' | 'depth_to_space' | 'space_to_depth'> = {
  unfold: ({ x }, attrs, out) => unfold(x, attrs, out),
  fold: ({ x }, attrs, out) => fold(x, attrs, out),
  depth_to_space: ({ x }, attrs, out) => depthToSpace(x, attrs, out),
  space_to_depth: ({ x }, attrs, out) => spaceToDepth(x, attrs, out),
};
