/**
 * Backward rule of dot_product_attention: jax.vjp of Keras's op on JAX, whose path (jax.nn's
 * _dot_product_attention_xla, or from Keras 3.12 Keras's own fallback, the same steps) is
 * einsum, * scale, + bias, jnp.where(keep, logits, -0.7 * float32 max), softmax, einsum. What JAX's rules
 * decide:
 * - jax.nn.softmax (jax_softmax_custom_jvp off in JAX 0.4.34 and 0.10.2) differentiates exp(x - max) / sum
 *   with the max stopped: (g / s - sum(g u) / s**2) u (activations' softmaxGrad);
 * - the where selects: a masked logit passes nothing back to q, k or the bias, even from a NaN row, and a
 *   fully masked row (every logit the same large negative) still weighs every value by 1 / S;
 * - a bias, mask, q, k or v broadcast (size-1 or missing leading dims) gets its cotangent summed back;
 * - the mask is compared, never differentiated: a float32 mask (Keras 3.12's fallback) gets zeros, and
 *   so does every input when the output is int32 or bool (the probabilities' cast passes nothing).
 */
import type { AttentionAttrs } from '../../../src/ops/attention.js';
import type { ConcreteSpec } from '../../../src/dtypes.js';
import type { Vjps } from '../../../src/ops/table.js';
import { flush } from '../activations.js';
import { scores, weights } from '../attention.js';
import { fromValues, sizeOf, values, type RefArray } from '../ndarray.js';
import { softmaxGrad } from './activations.js';
import { requested, store, sumTo, type Arr, type Wrt } from './lax.js';

type AttentionVjps = Required<Pick<Vjps<RefArray>, 'dot_product_attention'>>;
type Inputs = Record<'query' | 'key' | 'value', RefArray> & Record<'bias' | 'mask', RefArray | null>;

const zerosLike = (x: RefArray): Arr => ({ v: new Float64Array(sizeOf(x.shape)), shape: x.shape });

/** The (B, N, T, S) probabilities, each row jax.nn.softmax's of its logits in float32. */
function probabilities(logits: Float64Array, S: number): Float64Array {
  const p = new Float64Array(logits.length);
  for (let row = 0; row < logits.length; row += S) p.set(weights(logits.subarray(row, row + S), 'float32').map(store), row);
  return p;
}

function attentionT(inputs: Inputs, attrs: AttentionAttrs, out: ConcreteSpec, ct: RefArray, wrt: Wrt) {
  const { query, key, value, bias, mask } = inputs;
  if (out.dtype !== 'float32') {
    return requested({ query: zerosLike(query), key: zerosLike(key), value: zerosLike(value), bias: bias && zerosLike(bias), mask: mask && zerosLike(mask) }, inputs, wrt);
  }
  const { batch: B, queryLength: T, numHeads: N, keyLength: S, kvHeads: K, headDim: H, valueDim: V } = attrs.dims;
  const G = N / K;
  const { q, k, v, logits, keep } = scores(query, key, value, bias, mask, attrs);
  const g = values(ct).map(flush);
  const p = probabilities(logits, S);
  // The second einsum's transposes: dp = g . v over V, dv = p^T g over the group's heads and T.
  const dp = new Float64Array(logits.length);
  const dv = new Float64Array(B * S * K * V);
  eachPair(attrs, G, (row, s, gOff, vOff) => {
    let dot = 0;
    for (let h = 0; h < V; h++) {
      dot += g[gOff + h] * v[vOff + h];
      dv[vOff + h] += p[row + s] * g[gOff + h];
    }
    dp[row + s] = store(dot);
  });
  const shape = [B, N, T, S];
  const asRef = (x: Float64Array) => fromValues(x, shape, 'float32');
  const dx = values(softmaxGrad(asRef(logits), asRef(dp), [3], false).x);
  const dl = dx.map((d, i) => (keep[i] ? d : 0));
  // logits * scale: its cotangent times the float32 scale, then the first einsum's transposes.
  const scale = Math.fround(attrs.scale);
  const ds = dl.map((d) => store(d * scale));
  const dq = new Float64Array(B * T * N * H);
  const dk = new Float64Array(B * S * K * H);
  eachPair(attrs, G, (row, s, _gOff, _vOff, qOff, kOff) => {
    const d = ds[row + s];
    for (let h = 0; h < H; h++) {
      dq[qOff + h] += d * k[kOff + h];
      dk[kOff + h] += d * q[qOff + h];
    }
  });
  const full = (x: Float64Array, dims: number[]): Arr => ({ v: x.map(store), shape: dims });
  return requested(
    {
      query: sumTo(full(dq, [B, T, N, H]), query.shape),
      key: sumTo(full(dk, [B, S, K, H]), key.shape),
      value: sumTo(full(dv, [B, S, K, V]), value.shape),
      bias: bias && attrs.biasShape && sumTo({ v: dl, shape }, attrs.biasShape),
      mask: mask && zerosLike(mask),
    },
    inputs,
    wrt,
  );
}

/**
 * Every (query row, key) pair in the order the sums run: visit(row, s, offsets) with `row` the (b, n, t)
 * logits row's offset and the offsets of the cotangent's and the value's (b, t, n) and (b, s, kv head)
 * vectors, then the query's and key's.
 */
function eachPair(
  attrs: AttentionAttrs,
  G: number,
  visit: (row: number, s: number, gOff: number, vOff: number, qOff: number, kOff: number) => void,
): void {
  const { batch: B, queryLength: T, numHeads: N, keyLength: S, kvHeads: K, headDim: H, valueDim: V } = attrs.dims;
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      const kvHead = Math.floor(n / G);
      for (let t = 0; t < T; t++) {
        const row = ((b * N + n) * T + t) * S;
        const at = (b * T + t) * N + n;
        for (let s = 0; s < S; s++) {
          const kv = (b * S + s) * K + kvHead;
          visit(row, s, at * V, kv * V, at * H, kv * H);
        }
      }
    }
  }
}

export const attentionVjps: AttentionVjps = {
  dot_product_attention: (inputs, attrs, out, ct, wrt) => attentionT(inputs, attrs, out, ct, wrt),
};
