/**
 * Generators for dot_product_attention: multi-head, grouped-query and multi-query layouts, T != S both
 * ways, bias and boolean masks of rank 1 to 4 broadcast over any of (B, N, T, S), fully masked rows,
 * additive -1e9 masking, the causal mask, scales (None, fractions, 0, negative), saturating logits,
 * int32 inputs, special values; and the argument sets Keras rejects.
 *
 * Kept out, where keras-parity differs on purpose (docs/deviations.md): int32 mixed with float32 among
 * q, k, v; a non-boolean is_causal; bias or mask dims that are neither 1 nor the full size. Also kept
 * out: rows whose every unmasked logit carries the -1e9 bias, where float32 rounds -1e9 + l to a
 * multiple of 64 and the rounding of l (an order-dependent sum) decides the softmax.
 */
import * as fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue, ToleranceWithReason } from '../../golden/cases.js';
import { GoldenTensor } from '../../golden/safetensors.js';
import { bools, callOf, floats, prng, type FuzzCall, type OpGenerators } from '../call.js';
import { type FaultSet, invalidCalls } from './faults.js';
import { boundTolerance, gamma, maxAbsFinite, numeric, omittable, seedArb, withSpecials } from './forms.js';

interface Dims {
  batch: number;
  queryLength: number;
  keyLength: number;
  kvHeads: number;
  /** Query heads per key/value head: N = G * K (1: multi-head; K = 1: multi-query). */
  groups: number;
  headDim: number;
}

const smallDimsArb: fc.Arbitrary<Dims> = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  queryLength: fc.integer({ min: 1, max: 5 }),
  keyLength: fc.integer({ min: 1, max: 5 }),
  kvHeads: fc.integer({ min: 1, max: 3 }),
  groups: fc.constantFrom(1, 1, 2, 3),
  headDim: fc.integer({ min: 1, max: 8 }),
});

/** Long softmax rows and head dims: up to 32 keys and 64 features. */
const bigDimsArb: fc.Arbitrary<Dims> = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  queryLength: fc.integer({ min: 1, max: 32 }),
  keyLength: fc.integer({ min: 8, max: 32 }),
  kvHeads: fc.integer({ min: 1, max: 2 }),
  groups: fc.constantFrom(1, 2),
  headDim: fc.integer({ min: 8, max: 64 }),
});

const dimsArb = fc.oneof({ arbitrary: smallDimsArb, weight: 9 }, { arbitrary: bigDimsArb, weight: 1 });

/** The (B, N, T, S) the bias and the mask broadcast to. */
const target = (d: Dims) => [d.batch, d.kvHeads * d.groups, d.queryLength, d.keyLength];

/** A shape of rank 1 to 4 aligned to the end of (B, N, T, S), each dim 1 or the full size. */
const broadcastShapeArb = fc.record({ rank: fc.integer({ min: 1, max: 4 }), full: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }) });

function broadcastShape(d: Dims, draw: { rank: number; full: boolean[] }): number[] {
  return target(d).map((n, i) => (draw.full[i] ? n : 1)).slice(4 - draw.rank);
}

interface Plan {
  d: Dims;
  dtype: DType;
  seed: number;
  scale: { value: number | null; arg: GoldenValue | undefined };
  causal: { value: boolean; arg: GoldenValue | undefined };
  queryScale: number;
  bias: { shape: { rank: number; full: boolean[] }; negative: boolean; specials: boolean } | undefined;
  mask: { shape: { rank: number; full: boolean[] }; pTrue: number } | undefined;
  /** bias or mask passed as None rather than left out. */
  explicitNone: boolean;
  nanQuery: boolean;
  /** flash_attention (Keras 3.7): left out, None or False; True raises on CPU JAX (a fault). */
  flash: GoldenValue | undefined;
  /** attn_logits_soft_cap (Keras 3.10): left out or None; any number raises off TPU (a fault). */
  softCap: GoldenValue | undefined;
}

const planArb: fc.Arbitrary<Plan> = fc.record({
  d: dimsArb,
  dtype: fc.constantFrom<DType>('float32', 'float32', 'float32', 'float32', 'int32'),
  seed: seedArb,
  scale: fc.oneof(
    fc.constant({ value: null, arg: undefined as GoldenValue | undefined }),
    fc.constant({ value: null, arg: null as GoldenValue | undefined }),
    fc.constantFrom(0.5, 1, 2, 0.125, 0, -1, 3).map((v) => ({ value: v as number | null, arg: v as GoldenValue | undefined })),
  ),
  causal: fc.constantFrom({ value: false, arg: undefined }, { value: false, arg: false }, { value: true, arg: true }),
  queryScale: fc.constantFrom(1, 1, 3, 10),
  bias: omittable(fc.record({ shape: broadcastShapeArb, negative: fc.boolean(), specials: fc.integer({ min: 0, max: 5 }).map((v) => v === 0) })),
  // pTrue 0.6 leaves some rows fully masked on small S; 0 masks everything (a uniform average of V).
  mask: omittable(fc.record({ shape: broadcastShapeArb, pTrue: fc.constantFrom(0.6, 0.6, 0.9, 0) })),
  explicitNone: fc.boolean(),
  nanQuery: fc.integer({ min: 0, max: 9 }).map((v) => v === 0),
  flash: fc.constantFrom<GoldenValue | undefined>(undefined, undefined, null, false),
  softCap: fc.constantFrom<GoldenValue | undefined>(undefined, undefined, null),
});

/** Bias -1e9 on some keys (never key 0, and only where the bias has a key dim, so no row is all -1e9). */
function bias(p: Plan): GoldenTensor | undefined {
  if (!p.bias) return undefined;
  const shape = broadcastShape(p.d, p.bias.shape);
  let b = floats(shape, p.seed + 4, { scale: 2 });
  const keys = shape.at(-1)!;
  if (p.bias.negative && keys > 1) {
    const next = prng(p.seed + 5);
    b = new GoldenTensor('', 'float32', shape, b.data.map((v, i) => (i % keys !== 0 && next() < 0.5 ? -1e9 : v)));
  }
  // Not with -1e9 too: a -inf on key 0 would leave rows of -1e9 logits alone.
  return p.bias.specials && !p.bias.negative ? withSpecials(b, p.seed + 6, 0.1, [NaN, Infinity, -Infinity]) : b;
}

/** A boolean mask; with a -1e9 bias, key 0 stays attended so no row keeps only -1e9 logits. */
function mask(p: Plan, keepFirst: boolean): GoldenTensor | undefined {
  if (!p.mask) return undefined;
  const shape = broadcastShape(p.d, p.mask.shape);
  const m = bools(shape, p.seed + 7, p.mask.pTrue);
  const keys = shape.at(-1)!;
  if (keepFirst && keys > 1) m.data.forEach((_, i) => i % keys === 0 && (m.data[i] = 1));
  return m;
}

/**
 * Per logit l = scale * sum_h q_h k_h + bias: float32 misses it by E_l <= gamma_(H+2) *
 * (|scale| * max sum_h |q_h k_h| + max|bias|) (the H-term sum, the scale, the bias; -1e9 biases drop
 * out: their probabilities are exactly 0 either way). Softmax then misses each p by at most
 * 4*E_l + gamma_(S+5) relative (the shifts, exp, the S-term sum, the division), and the output
 * sum_s p_s v_s adds gamma_S: |error| <= max|v| * (4*E_l + gamma_(2S+5)).
 */
function attentionTolerance(q: GoldenTensor, k: GoldenTensor, v: GoldenTensor, b: GoldenTensor | undefined, p: Plan): ToleranceWithReason | undefined {
  const { d } = p;
  const scale = p.scale.value ?? 1 / Math.sqrt(d.headDim);
  const qk = maxDotAbs(q, k, d);
  let biasMax = 0;
  if (b) for (const x of b.data) if (Number.isFinite(x) && Math.abs(x) < 1e8) biasMax = Math.max(biasMax, Math.abs(x));
  const eL = gamma(d.headDim + 2) * (Math.abs(scale) * qk + biasMax);
  const vMax = maxAbsFinite(v);
  const why =
    `dot_product_attention: float32 logits of H=${d.headDim} products (max sum|q*k| ${qk.toPrecision(4)}, |scale| ${Math.abs(scale).toPrecision(3)}, ` +
    `max|bias| ${biasMax.toPrecision(3)}) give E_l = ${eL.toPrecision(3)}; softmax over S=${d.keyLength} and the weighted sum of V (max|v| ${vMax.toPrecision(3)}): ` +
    `|error| <= max|v| * (4*E_l + gamma_(2S+5))`;
  return boundTolerance(vMax * (4 * eL + gamma(2 * d.keyLength + 5)), 0, why);
}

/** max over (b, t, n, s) of sum_h |q[b,t,n,h] * k[b,s,n//G,h]|, over finite products. */
function maxDotAbs(q: GoldenTensor, k: GoldenTensor, d: Dims): number {
  const n = d.kvHeads * d.groups;
  const h = d.headDim;
  let best = 0;
  for (let b = 0; b < d.batch; b++) {
    for (let t = 0; t < d.queryLength; t++) {
      for (let head = 0; head < n; head++) {
        for (let s = 0; s < d.keyLength; s++) {
          const qo = ((b * d.queryLength + t) * n + head) * h;
          const ko = ((b * d.keyLength + s) * d.kvHeads + Math.floor(head / d.groups)) * h;
          let sum = 0;
          for (let i = 0; i < h; i++) {
            const term = Math.abs(q.data[qo + i] * k.data[ko + i]);
            if (Number.isFinite(term)) sum += term;
          }
          best = Math.max(best, sum);
        }
      }
    }
  }
  return best;
}

function attentionCall(p: Plan): FuzzCall {
  const { d } = p;
  const n = d.kvHeads * d.groups;
  // Small ints for int32: the probabilities are cast to int32 (0, or 1 where one key takes all).
  let query = numeric([d.batch, d.queryLength, n, d.headDim], p.dtype, p.seed + 1, p.queryScale, 3);
  if (p.nanQuery && p.dtype === 'float32') query = withSpecials(query, p.seed, 0.1, [NaN]);
  const key = numeric([d.batch, d.keyLength, d.kvHeads, d.headDim], p.dtype, p.seed + 2, 1, 3);
  const value = numeric([d.batch, d.keyLength, d.kvHeads, d.headDim], p.dtype, p.seed + 3, 1, 3);
  const b = bias(p);
  const none = p.explicitNone ? null : undefined;
  const values = {
    query, key, value,
    bias: b ?? none,
    mask: mask(p, Boolean(p.bias?.negative)) ?? none,
    scale: p.scale.arg,
    is_causal: p.causal.arg,
    flash_attention: p.flash,
    attn_logits_soft_cap: p.softCap,
  };
  const tolerance = p.dtype === 'float32' ? attentionTolerance(query, key, value, b, p) : undefined;
  return callOf('dot_product_attention', values, tolerance);
}

// invalid ---------------------------------------------------------------------------------------

/**
 * In the order they are put in: the rank faults last, since the others read the 4-D shapes. Each
 * raises in every supported Keras: a non-bool mask and a bool value, faults before Keras 3.12, compute
 * from then on (Keras casts, and its fallback takes any mask), so they are not faults here.
 */
const KINDS = ['heads', 'bias_shape', 'value_shape', 'head_dims', 'batch', 'flash_attention', 'soft_cap', 'key_rank', 'query_rank'] as const;

/**
 * Each spoils one thing jax.nn.dot_product_attention or Keras checks. The batch and value faults
 * spoil the key or value where Keras 3.12's fallback, which broadcasts size-1 dims, still fails: a
 * key of another batch makes a result of another size, and so do value heads K + 1 (or they clash).
 */
function spoil(call: FuzzCall, kind: (typeof KINDS)[number], seed: number): FuzzCall {
  const args = [...call.args] as GoldenTensor[];
  const kwargs = { ...call.kwargs };
  const [q, k] = args;
  const [B, T, N, H] = q.shape;
  const S = k.shape[1];
  const K = k.shape[2];
  const f = (shape: number[]) => floats(shape, seed);
  switch (kind) {
    case 'query_rank': args[0] = f(seed % 2 ? [T, N, H] : [1, B, T, N, H]); break;
    case 'heads': args[0] = f([B, T, 3, H]); args[1] = f([B, S, 2, H]); args[2] = f([B, S, 2, H]); break; // N % K != 0
    case 'value_shape': args[2] = f([B, S, K + 1, H]); break;
    case 'head_dims': args[0] = f([B, T, N, H + 1]); break;
    case 'batch': args[1] = f([B + 1, S, K, H]); break;
    case 'flash_attention': kwargs.flash_attention = true; break; // no cuDNN on CPU
    case 'soft_cap': kwargs.attn_logits_soft_cap = [1, 30, 0.5][seed % 3]; break; // TPU only
    case 'bias_shape': kwargs.bias = f([B, N, T + 1, S]); break; // does not broadcast
    case 'key_rank': args[1] = f([1, B, S, K, H]); break;
  }
  return { op: call.op, args, kwargs };
}

/** From float32 calls, so that the spoilt arguments are the only reasons to fail. */
const floatPlanArb = planArb.map((p) => ({ ...p, dtype: 'float32' as DType }));

const attentionFaultSet: FaultSet<FuzzCall> = {
  base: floatPlanArb.map(attentionCall),
  faults: Object.fromEntries(KINDS.map((kind) => [kind, (c: FuzzCall, seed: number) => spoil(c, kind, seed)])),
  call: (c) => c,
};

export const attentionFaults = { dot_product_attention: attentionFaultSet };

export const attentionGenerators = {
  dot_product_attention: { valid: planArb.map(attentionCall), invalid: invalidCalls(attentionFaultSet) },
} satisfies Record<string, OpGenerators>;
