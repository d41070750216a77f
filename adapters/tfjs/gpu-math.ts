/**
 * Arithmetic composed where TF.js 4.22's GPU backends (webgl, webgpu; SwiftShader in headless Chromium)
 * get special values wrong, so kernels give JAX's results on every backend (elsewhere each function is
 * the TF.js op itself):
 * - the max reduction on webgl, and the max pool on webgl and webgpu, start from -1e20 ("-1 / eps", for
 *   Firefox), so a slice whose values all lie below gives -1e20 (a fully masked attention row, softmax
 *   of -1e30s, a pool of -3e38s). Where the result is that start value, the max is redone on the input
 *   scaled by 2^-70 (exact for such magnitudes) and scaled back.
 * - division on webgl returns 1 wherever a == b, 0/0 and inf/inf included; those are NaN.
 * - log(0) is -88.03 on webgl and webgpu, not -inf.
 * - NaN in, NaN out, where the GPU loses it: exp and expm1 of NaN are inf on both, webgpu's log of NaN
 *   is 89.1 and its sigmoid of NaN 0, webgl's pow(NaN, y) is finite.
 */
import * as tf from '@tensorflow/tfjs-core';
import { reduceOver, where } from './gpu-layout.js';

/** webgl's max reduction starts from -1 / 1e-20, which rounds to this float32. */
const WEBGL_MAX_START = Math.fround(-1 / 1e-20);
const REDUCE_SCALE = 2 ** -70;

const onWebgl = (): boolean => tf.getBackend() === 'webgl';
export const onGpu = (): boolean => tf.getBackend() === 'webgl' || tf.getBackend() === 'webgpu';

export function max(x: tf.Tensor, axes?: number | number[], keepDims = false): tf.Tensor {
  const plain = reduceOver(x, axes, keepDims, tf.max);
  if (!onWebgl() || x.dtype !== 'float32') return plain;
  return belowGpuStart(x, plain, (t) => tf.max(t, axes, keepDims));
}

/** A float32 max pool's result on a GPU backend (`maxPool` of x), right below -1e20 too. */
export function gpuMaxPool(x: tf.Tensor, maxPool: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  return belowGpuStart(x, maxPool(x), maxPool);
}

/** `plain` (= maxOf(x)), where it is the GPU's start value redone on x scaled by 2^-70. */
function belowGpuStart(x: tf.Tensor, plain: tf.Tensor, maxOf: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const scaled = tf.mul(maxOf(tf.mul(x, REDUCE_SCALE)), 1 / REDUCE_SCALE);
  return where(tf.equal(plain, WEBGL_MAX_START), scaled, plain);
}

export function div(a: tf.Tensor | number, b: tf.Tensor | number): tf.Tensor {
  const q = tf.div(a, b);
  if (!onWebgl() || q.dtype !== 'float32') return q;
  const [ta, tb] = [tf.cast(a, 'float32'), tf.cast(b, 'float32')];
  const undefinedRatio = tf.logicalAnd(tf.equal(ta, tb), tf.logicalOr(tf.equal(tb, 0), tf.isInf(tb)));
  return where(undefinedRatio, tf.scalar(NaN), q);
}

export const exp = (x: tf.Tensor): tf.Tensor => keepNaN(x, tf.exp(x));
export const expm1 = (x: tf.Tensor): tf.Tensor => keepNaN(x, tf.expm1(x));
export const sigmoid = (x: tf.Tensor): tf.Tensor => keepNaN(x, tf.sigmoid(x));

function keepNaN(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return onGpu() ? where(tf.isNaN(x), x, y) : y;
}

export function log(x: tf.Tensor): tf.Tensor {
  const y = tf.log(x);
  return onGpu() ? keepNaN(x, where(tf.equal(x, 0), tf.scalar(-Infinity), y)) : y;
}

/** x ** y for a number y; pow(NaN, 0) is 1. */
export function pow(x: tf.Tensor, y: number): tf.Tensor {
  const p = tf.pow(x, y);
  return y === 0 ? p : keepNaN(x, p);
}
