/**
 * TF.js dot_product_attention, as jax.nn.dot_product_attention computes it (the path Keras 3.6 takes on
 * jax >= 0.4.31, and Keras's own fallback the same way): float32 logits from batched matMuls, grouped
 * query heads, bias, mask and a top-left causal mask by `where`, softmax over the keys, then the
 * weighted sum of the values.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionAttrs } from '../../src/ops/attention.js';
import type { Kernels } from '../../src/ops/table.js';
import type { DType } from '../../src/dtypes.js';
import { cast, transpose, where } from './gpu-layout.js';
import { quirk } from './quirks.js';
import { div, exp, max } from './gpu-math.js';

/** jax's `-0.7 * finfo(float32).max`: what masked logits become (tf.scalar rounds it to float32). */
const MASKED_LOGIT = -0.7 * 3.4028234663852886e38;
const F32_MIN_NORMAL = 2 ** -126;

/** XLA on CPU flushes float32 subnormals to zero; TF.js keeps them. */
const flushSubnormals = (x: tf.Tensor): tf.Tensor => where(tf.less(tf.abs(x), F32_MIN_NORMAL), tf.zerosLike(x), x);

/**
 * The weight each key gets, over the last axis. Keras casts the float32 probabilities to key.dtype: an
 * int32 attention truncates them (1 only where the row is one-hot in float32), a bool one keeps "not
 * zero". Those two redo the softmax step by step with XLA's flush of subnormals, because rounding and
 * underflow decide the result; the weights stay float32 (0 or 1) for the matMul with the values.
 */
export function weights(logits: tf.Tensor, dtype: DType): tf.Tensor {
  // jax.nn.softmax composed from TF.js ops rather than tf.softmax, whose webgl kernel is reported to
  // mishandle huge negative (masked) logits (tfjs#5394).
  const shifted = tf.sub(logits, max(logits, -1, true));
  if (dtype === 'float32') {
    const e = exp(shifted);
    return div(e, tf.sum(e, -1, true));
  }
  const e = flushSubnormals(exp(flushSubnormals(shifted)));
  const prob = flushSubnormals(div(e, tf.sum(e, -1, true)));
  // prob <= 1, so trunc(prob) is 1 exactly where prob == 1; NaN gives 0 for int32 and true for bool.
  const kept = dtype === 'int32' ? tf.equal(prob, 1) : tf.notEqual(prob, 0);
  return cast(kept, 'float32');
}

/** `keep` for the mask and the top-left causal mask (key s visible from query t when s <= t), or null. */
function keepMask(mask: tf.Tensor | null, attrs: AttentionAttrs): tf.Tensor | null {
  const { queryLength: T, keyLength: S } = attrs.dims;
  let keep = mask && attrs.maskShape ? tf.reshape(cast(mask, 'bool'), attrs.maskShape) : null;
  if (attrs.isCausal) {
    const causal = tf.lessEqual(tf.reshape(tf.range(0, S, 1, 'int32'), [1, S]), tf.reshape(tf.range(0, T, 1, 'int32'), [T, 1]));
    keep = keep ? tf.logicalAnd(keep, causal) : causal;
  }
  return keep;
}

/** `x` broadcast to `shape` (Keras's fallback einsums broadcast size-1 dims of q, k and v). */
function broadcast(x: tf.Tensor, shape: number[]): tf.Tensor {
  return x.shape.every((d, i) => d === shape[i]) ? tf.reshape(x, shape) : tf.broadcastTo(x, shape);
}

/** The bias as float32 logits take it, after Keras 3.12's cast to an int32 or bool compute dtype. */
function biasAs(bias: tf.Tensor, dtype: DType): tf.Tensor {
  return cast(dtype === 'float32' ? bias : cast(bias, dtype), 'float32');
}

/** Multiply-adds per batch from which batches go one by one where a batched matMul is a scalar loop. */
const SPLIT_MACS = 1 << 16;

/**
 * a @ b, or a @ b^T, for (batch, m, k) operands; where a batched or transposed matMul is a scalar loop
 * (quirks.ts), batches large enough to repay an op each go one by one.
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): tf.Tensor {
  const [n, m, k] = a.shape as [number, number, number];
  const cols = b.shape[transposeB ? 1 : 2] as number;
  if (!quirk.batchedMatMulIsScalarLoop() || m * k * cols < SPLIT_MACS) return tf.matMul(a, b, false, transposeB);
  const right = transposeB ? transpose(b, [0, 2, 1]) : b;
  const one = (x: tf.Tensor, i: number) => tf.slice(x, [i, 0, 0], [1, ...x.shape.slice(1)]);
  return tf.concat(Array.from({ length: n }, (_, i) => tf.matMul(one(a, i), one(right, i))), 0);
}

type Inputs = { query: tf.Tensor; key: tf.Tensor; value: tf.Tensor; bias: tf.Tensor | null; mask: tf.Tensor | null };

/**
 * q as (B*K, G*T, H), k and v as (B*K, S, H) and (B*K, S, V): query head n reads kv head floor(n / G);
 * the (B, N, T, S) logits, the masked ones MASKED_LOGIT, and `keep` (null without a mask or causal mask).
 */
export interface Scores {
  q: tf.Tensor;
  k: tf.Tensor;
  v: tf.Tensor;
  logits: tf.Tensor;
  keep: tf.Tensor | null;
}

export function scores(inputs: Inputs, attrs: AttentionAttrs): Scores {
  const { batch: B, queryLength: T, numHeads: N, keyLength: S, kvHeads: K, headDim: H, valueDim: V } = attrs.dims;
  const G = N / K;
  const asFloat = (x: tf.Tensor) => (x.dtype === 'float32' ? x : cast(x, 'float32'));
  // (B, T, N, H) -> (B, N, T, H) -> (B*K, G*T, H).
  const q = tf.reshape(transpose(asFloat(broadcast(inputs.query, [B, T, N, H])), [0, 2, 1, 3]), [B * K, G * T, H]);
  const kvView = (x: tf.Tensor, h: number) => tf.reshape(transpose(asFloat(broadcast(x, [B, S, K, h])), [0, 2, 1, 3]), [B * K, S, h]);
  const [k, v] = [kvView(inputs.key, H), kvView(inputs.value, V)];
  // Each op rounds to float32, as Keras's float32 logits: round(round(q.k) * scale) + bias, rounded.
  let logits = tf.mul(tf.reshape(batchMatMul(q, k, true), [B, N, T, S]), tf.scalar(attrs.scale, 'float32'));
  if (inputs.bias && attrs.biasShape) logits = tf.add(logits, tf.reshape(biasAs(inputs.bias, attrs.biasDtype), attrs.biasShape));
  const keep = keepMask(inputs.mask, attrs);
  if (keep) logits = where(keep, logits, tf.scalar(MASKED_LOGIT, 'float32'));
  return { q, k, v, logits, keep };
}

function attend(inputs: Inputs, attrs: AttentionAttrs, out: { shape: number[]; dtype: DType }): tf.Tensor {
  // An empty result is made directly: wasm's matMul traps ("divide by zero") on an empty batch.
  if (out.shape.includes(0)) return tf.zeros(out.shape, out.dtype);
  const { batch: B, queryLength: T, numHeads: N, keyLength: S, kvHeads: K, valueDim: V } = attrs.dims;
  const { v, logits } = scores(inputs, attrs);
  const w = tf.reshape(weights(logits, out.dtype), [B * K, (N / K) * T, S]);
  const encoded = transpose(tf.reshape(batchMatMul(w, v, false), [B, N, T, V]), [0, 2, 1, 3]);
  if (out.dtype === 'bool') return tf.notEqual(encoded, 0);
  return out.dtype === 'int32' ? cast(encoded, 'int32') : encoded;
}

export const attentionKernels: Pick<Kernels<tf.Tensor>, 'dot_product_attention'> = {
  dot_product_attention: (inputs, attrs, out) => attend(inputs, attrs, out),
};
