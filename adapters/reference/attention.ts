/**
 * Reference dot_product_attention, as jax.nn.dot_product_attention computes it (the path Keras 3.6 takes
 * on jax >= 0.4.31, and Keras's own fallback the same way): one (b, n, t) row at a time, in float64.
 */
import type { AttentionAttrs } from '../../src/ops/attention.js';
import type { Kernels } from '../../src/ops/table.js';
import type { DType } from '../../src/dtypes.js';
import { fromValues, sizeOf, stridesOf, values, walkStrided, type RefArray } from './ndarray.js';

/** jax's `-0.7 * finfo(float32).max`, rounded to float32: what masked logits become. */
const MASKED_LOGIT = Math.fround(-0.7 * 3.4028234663852886e38);
const F32_MIN_NORMAL = 2 ** -126;

/** XLA on CPU flushes float32 subnormals to zero. */
const f32 = (x: number): number => {
  const r = Math.fround(x);
  return Math.abs(r) < F32_MIN_NORMAL ? 0 : r;
};

/** Offsets of a broadcast operand: stride 0 along its size-1 dims. */
function broadcastStrides(shape: number[] | null): number[] {
  if (!shape) return [0, 0, 0, 0];
  return stridesOf(shape).map((s, i) => (shape[i] === 1 ? 0 : s));
}

/** `a`'s values broadcast to `shape` (Keras's fallback einsums broadcast size-1 dims of q, k and v). */
function valuesAs(a: RefArray, shape: number[]): Float64Array {
  const vals = values(a);
  // jax.nn's _ensure_4d: a lower rank gains leading 1s.
  const own = [...Array<number>(shape.length - a.shape.length).fill(1), ...a.shape];
  if (own.every((d, i) => d === shape[i])) return vals;
  const out = new Float64Array(sizeOf(shape));
  walkStrided(shape, broadcastStrides(own), (i, offset) => (out[i] = vals[offset]));
  return out;
}

/** Keras 3.12 on casts the bias to the compute dtype before adding it to the float32 logits. */
function biasValues(bias: RefArray | null, dtype: DType): Float64Array | null {
  if (!bias) return null;
  return dtype === 'float32' ? values(bias) : values(fromValues(values(bias), bias.shape, dtype));
}

/**
 * The weight each key gets. Keras casts the float32 probabilities to key.dtype: an int32 attention
 * truncates them (1 only where the row is one-hot in float32), a bool one keeps "not zero". Those two
 * redo the softmax in float32 because rounding and underflow decide the result.
 */
export function weights(logits: Float64Array, dtype: DType): Float64Array {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let s = 0; s < p.length; s++) sum += p[s] = Math.exp(logits[s] - max);
  if (dtype === 'float32') return p.map((e) => e / sum);
  for (let s = 0; s < p.length; s++) p[s] = f32(Math.exp(f32(logits[s] - max)));
  const sum32 = f32(p.reduce((a, b) => a + b, 0));
  return p.map((e) => {
    const prob = f32(e / sum32);
    return dtype === 'int32' ? Math.trunc(prob) : prob !== 0 ? 1 : 0;
  });
}

/** q, k and v broadcast to (B, T, N, H), (B, S, K, H) and (B, S, K, V), and the (B, N, T, S) logits. */
export interface Scores {
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  /** Keras's float32 logits, MASKED_LOGIT where masked. */
  logits: Float64Array;
  /** 1 where the mask and the causal mask keep the logit (jnp.where's condition), else 0. */
  keep: Uint8Array;
}

export function scores(q: RefArray, k: RefArray, v: RefArray, bias: RefArray | null, mask: RefArray | null, attrs: AttentionAttrs): Scores {
  const { batch: B, queryLength: T, numHeads: N, keyLength: S, kvHeads: K, headDim: H, valueDim: V } = attrs.dims;
  const G = N / K;
  const [qv, kv, vv] = [valuesAs(q, [B, T, N, H]), valuesAs(k, [B, S, K, H]), valuesAs(v, [B, S, K, V])];
  const bv = biasValues(bias, attrs.biasDtype);
  const mv = mask ? values(mask) : null;
  const [bs, ms] = [broadcastStrides(attrs.biasShape), broadcastStrides(attrs.maskShape)];
  // Logits are float32 in Keras (jnp.array(scale, float32)); rounding them also gives its overflow to inf.
  const scale = Math.fround(attrs.scale);
  const logits = new Float64Array(B * N * T * S);
  const keep = new Uint8Array(logits.length);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      const kvHead = Math.floor(n / G);
      for (let t = 0; t < T; t++) {
        const qOff = ((b * T + t) * N + n) * H;
        const row = ((b * N + n) * T + t) * S;
        for (let s = 0; s < S; s++) {
          const kOff = ((b * S + s) * K + kvHead) * H;
          let dot = 0;
          for (let h = 0; h < H; h++) dot += qv[qOff + h] * kv[kOff + h];
          let x = Math.fround(Math.fround(dot) * scale);
          if (bv) x = Math.fround(x + bv[b * bs[0] + n * bs[1] + t * bs[2] + s * bs[3]]);
          keep[row + s] = (!mv || mv[b * ms[0] + n * ms[1] + t * ms[2] + s * ms[3]] !== 0) && (!attrs.isCausal || s <= t) ? 1 : 0;
          logits[row + s] = keep[row + s] ? x : MASKED_LOGIT;
        }
      }
    }
  }
  return { q: qv, k: kv, v: vv, logits, keep };
}

function attend(q: RefArray, k: RefArray, v: RefArray, bias: RefArray | null, mask: RefArray | null, attrs: AttentionAttrs, dtype: DType): RefArray {
  const { batch: B, queryLength: T, numHeads: N, keyLength: S, kvHeads: K, valueDim: V } = attrs.dims;
  const G = N / K;
  const { v: vv, logits } = scores(q, k, v, bias, mask, attrs);
  const out = new Float64Array(B * T * N * V);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      const kvHead = Math.floor(n / G);
      for (let t = 0; t < T; t++) {
        const oOff = ((b * T + t) * N + n) * V;
        const row = ((b * N + n) * T + t) * S;
        const w = weights(logits.subarray(row, row + S), dtype);
        for (let s = 0; s < S; s++) {
          const vOff = ((b * S + s) * K + kvHead) * V;
          for (let h = 0; h < V; h++) out[oOff + h] += w[s] * vv[vOff + h];
        }
      }
    }
  }
  return fromValues(out, [B, T, N, V], dtype);
}

export const attentionKernels: Pick<Kernels<RefArray>, 'dot_product_attention'> = {
  dot_product_attention: ({ query, key, value, bias, mask }, attrs, out) =>
    attend(query, key, value, bias, mask, attrs, out.dtype),
};
