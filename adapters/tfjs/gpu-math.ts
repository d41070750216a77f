/**
 * Arithmetic composed where TF.js 4.22's GPU backends (webgl, webgpu; SwiftShader in headless Chromium)
 * get special values wrong (quirks.ts says where and why), so kernels give JAX's results on every
 * backend; elsewhere each function is the TF.js op itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { reduceOver, where } from './gpu-layout.js';
import { quirk } from './quirks.js';

/** webgl's max reduction starts from -1 / 1e-20, which rounds to this float32. */
const GPU_MAX_START = Math.fround(-1 / 1e-20);
/** Exact for the magnitudes that fall below GPU_MAX_START, and lifts them above it. */
const REDUCE_SCALE = 2 ** -70;

export function max(x: tf.Tensor, axes?: number | number[], keepDims = false): tf.Tensor {
  const plain = reduceOver(x, axes, keepDims, tf.max);
  if (!quirk.maxReduceStartsAtMinus1e20() || x.dtype !== 'float32') return plain;
  return belowGpuStart(x, plain, (t) => tf.max(t, axes, keepDims));
}

/** A float32 max pool's result (`maxPool` of x), right below -1e20 too. */
export function maxPoolBelowGpuStart(x: tf.Tensor, maxPool: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const plain = maxPool(x);
  return quirk.maxPoolStartsAtMinus1e20() ? belowGpuStart(x, plain, maxPool) : plain;
}

/** `plain` (= maxOf(x)), where it is the GPU's start value redone on x scaled by 2^-70. */
function belowGpuStart(x: tf.Tensor, plain: tf.Tensor, maxOf: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const scaled = tf.mul(maxOf(tf.mul(x, REDUCE_SCALE)), 1 / REDUCE_SCALE);
  return where(tf.equal(plain, GPU_MAX_START), scaled, plain);
}

export function div(a: tf.Tensor | number, b: tf.Tensor | number): tf.Tensor {
  const q = tf.div(a, b);
  if (!quirk.equalRatioIsOne() || q.dtype !== 'float32') return q;
  const [ta, tb] = [tf.cast(a, 'float32'), tf.cast(b, 'float32')];
  const undefinedRatio = tf.logicalAnd(tf.equal(ta, tb), tf.logicalOr(tf.equal(tb, 0), tf.isInf(tb)));
  return where(undefinedRatio, tf.scalar(NaN), q);
}

export const exp = (x: tf.Tensor): tf.Tensor => nanWhereNaN(x, tf.exp(x));
export const expm1 = (x: tf.Tensor): tf.Tensor => nanWhereNaN(x, tf.expm1(x));
export const sigmoid = (x: tf.Tensor): tf.Tensor => nanWhereNaN(x, tf.sigmoid(x));

/** y, with x's NaNs put back where the backend loses them. */
function nanWhereNaN(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return quirk.losesNaN() ? where(tf.isNaN(x), x, y) : y;
}

export function log(x: tf.Tensor): tf.Tensor {
  const y = tf.log(x);
  return quirk.losesNaN() ? nanWhereNaN(x, where(tf.equal(x, 0), tf.scalar(-Infinity), y)) : y;
}

/** x ** y for a number y; pow(NaN, 0) is 1, and pow(0, y) inf for y < 0 (a backward rule's slope at 0). */
export function pow(x: tf.Tensor, y: number): tf.Tensor {
  const p = tf.pow(x, y);
  if (y === 0) return p;
  const atZero = y < 0 && quirk.powOfZeroIsFinite() ? where(tf.equal(x, 0), tf.scalar(Infinity), p) : p;
  return nanWhereNaN(x, atZero);
}
