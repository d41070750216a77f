/**
 * Backward rule of dot_product_attention: jax.vjp of Keras's op on JAX, JAX's transposes written with
 * TF.js ops over the forward's own steps (attention.ts): the second einsum's two batched matMuls, the
 * softmax's with the max stopped, the mask's select, the scale, the first einsum's two matMuls, and each
 * broadcast input summed back. adapters/reference/grad/attention.ts says what JAX's rules decide.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionAttrs } from '../../../src/ops/attention.js';
import type { ConcreteSpec } from '../../../src/dtypes.js';
import type { Vjps } from '../../../src/ops/table.js';
import { batchMatMul, scores } from '../attention.js';
import { transpose } from '../gpu-layout.js';
import { div } from '../gpu-math.js';
import { shiftedExp, shiftedSoftmaxT } from './activations.js';
import { requested, select, sumTo } from './lax.js';

type AttentionVjps = Required<Pick<Vjps<tf.Tensor>, 'dot_product_attention'>>;
type Inputs = Record<'query' | 'key' | 'value', tf.Tensor> & Record<'bias' | 'mask', tf.Tensor | null>;

/** (B*K, G*T, d) back to (B, T, N, d), summed to the input's own shape where it was broadcast. */
function fromQueryView(x: tf.Tensor, attrs: AttentionAttrs, like: tf.Tensor): tf.Tensor {
  const { batch: B, queryLength: T, numHeads: N } = attrs.dims;
  const d = x.shape[2] as number;
  return sumTo(transpose(tf.reshape(x, [B, N, T, d]), [0, 2, 1, 3]), like.shape);
}

/** (B*K, S, d) back to (B, S, K, d), summed to the input's own shape. */
function fromKvView(x: tf.Tensor, attrs: AttentionAttrs, like: tf.Tensor): tf.Tensor {
  const { batch: B, keyLength: S, kvHeads: K } = attrs.dims;
  const d = x.shape[2] as number;
  return sumTo(transpose(tf.reshape(x, [B, K, S, d]), [0, 2, 1, 3]), like.shape);
}

const transposed = (x: tf.Tensor) => transpose(x, [0, 2, 1]);

function attentionT(inputs: Inputs, attrs: AttentionAttrs, out: ConcreteSpec, ct: tf.Tensor, wrt: readonly string[]) {
  const { query, key, value, bias, mask } = inputs;
  const zeros = (x: tf.Tensor | null) => x && tf.zeros(x.shape, 'float32');
  const { batch: B, queryLength: T, numHeads: N, keyLength: S, kvHeads: K, headDim: H, valueDim: V } = attrs.dims;
  // An int32 or bool output's cast passes nothing back; an empty one has nothing to pass (and wasm's
  // matMul traps on an empty batch).
  if (out.dtype !== 'float32' || [B, T, N, S, K, H, V].includes(0)) {
    return requested({ query: zeros(query), key: zeros(key), value: zeros(value), bias: zeros(bias), mask: zeros(mask) }, wrt);
  }
  const G = N / K;
  const { q, k, v, logits, keep } = scores(inputs, attrs);
  // The forward's float32 weights (attention.ts weights: exp(logits - max) over its sum), their exp and
  // sum made once for the weights and the softmax's transpose.
  const [u, sum] = shiftedExp(logits, [3]);
  const p = tf.reshape(div(u, sum), [B * K, G * T, S]);
  const g = tf.reshape(transpose(ct, [0, 2, 1, 3]), [B * K, G * T, V]);
  const dp = tf.reshape(batchMatMul(g, v, true), [B, N, T, S]);
  const dx = shiftedSoftmaxT(u, sum, dp, [3]);
  const dl = keep ? select(keep, dx) : dx;
  const ds = tf.reshape(tf.mul(dl, tf.scalar(attrs.scale, 'float32')), [B * K, G * T, S]);
  return requested(
    {
      query: fromQueryView(batchMatMul(ds, k, false), attrs, query),
      key: fromKvView(batchMatMul(transposed(ds), q, false), attrs, key),
      value: fromKvView(batchMatMul(transposed(p), g, false), attrs, value),
      bias: bias && attrs.biasShape && tf.reshape(sumTo(dl, attrs.biasShape), bias.shape),
      mask: zeros(mask),
    },
    wrt,
  );
}

export const attentionVjps: AttentionVjps = {
  dot_product_attention: (inputs, attrs, out, ct, wrt) => attentionT(inputs, attrs, out, ct, wrt),
};
