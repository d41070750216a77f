/**
 * dot_product_attention: MHA, GQA and MQA, bias, mask, top-left causal mask, scale. Keras 3.6 calls
 * jax.nn.dot_product_attention and lets its checks raise; from Keras 3.12 a failed call falls back to
 * Keras's own implementation (attention-fallback.ts), whose shape rules and errors differ.
 */
import { formatList, formatShape, formatValue } from '../format.js';
import type { Spec } from '../dtypes.js';
import { resultType, type DType } from '../dtypes.js';
import { KerasRuntimeError, KerasTypeError, KerasValueError } from '../errors.js';
import { checkBool, checkNumber } from './args.js';
import { fallbackPlan, sameDim, type AttentionDims, type Dim } from './attention-fallback.js';
import { defineOp, kwarg, optionalTensor, tensor, type CallArgs } from './op.js';

export type { AttentionDims };

export type AttentionAttrs = {
  dims: AttentionDims;
  /** The logit scale: `scale`, or 1/sqrt(H) for None. */
  scale: number;
  isCausal: boolean;
  /** bias and mask shapes as rank 4, each dim 1 or the (B, N, T, S) dim; null when absent. */
  biasShape: number[] | null;
  maskShape: number[] | null;
  /** The dtype the bias is cast to before it is added to the float32 logits. */
  biasDtype: DType;
};

type Names = 'query' | 'key' | 'value';
type Args = CallArgs<Names, 'bias' | 'mask'>;
type Optional = Spec | null;

/** jax.nn.dot_product_attention's `_ensure_4d`: lower ranks gain leading 1s. */
function pad4(shape: Dim[]): Dim[] {
  return [...Array<Dim>(Math.max(0, 4 - shape.length)).fill(1), ...shape];
}

/**
 * Keras 3.6-3.11 on JAX reject q, k, v of different dtypes. JavaScript infers int32 for `[1, 2]`, so a
 * float query with an integer-valued plain key would fail for no reason a JS user can see: int32 mixed
 * with float32 computes in float32 instead (docs/deviations.md). A mix with bool raises jax.nn's error.
 */
function checkDtype(name: 'query' | 'value', spec: Spec, key: Spec): void {
  if (spec.dtype !== key.dtype && (spec.dtype === 'bool' || key.dtype === 'bool')) {
    throw new KerasValueError(`${name} dtype should be ${key.dtype}, but got ${spec.dtype}`);
  }
}

function mixedDtype(...specs: Spec[]): DType {
  return specs.every((s) => s.dtype === specs[0].dtype) ? specs[0].dtype : 'float32';
}

/** jax.nn.dot_product_attention's checks of q, k, v, in its order and with its messages. */
function checkQkv(query: Spec, key: Spec, value: Spec): Dim[] {
  if (key.shape.length > 4) throw new KerasValueError(`key ndim should be 4, but got ${key.shape.length}`);
  if (value.shape.length > 4) throw new KerasValueError(`value ndim should be 4, but got ${value.shape.length}`);
  const k = pad4(key.shape);
  const v = pad4(value.shape);
  checkDtype('value', value, key);
  if (!v.every((d, i) => sameDim(d, k[i]))) {
    throw new KerasValueError(`value shape should be ${formatList(k)}: but got ${formatShape(v)}`);
  }
  const q = query.shape;
  checkDtype('query', query, key);
  if (!sameDim(q[0], k[0]) || !sameDim(q[3], k[3])) {
    throw new KerasValueError(`query shape should be ${formatList([k[0], -1, -1, k[3]])}: but got ${formatShape(q)}`);
  }
  return k;
}

function checkMaskAndBias(mask: Optional, bias: Optional): void {
  if (mask && mask.shape.length > 4) throw new KerasValueError(`mask ndim should be 4, but got ${mask.shape.length}`);
  if (mask && mask.dtype !== 'bool') {
    throw new KerasValueError(`mask dtype should be <class 'jax.numpy.bool_'>, but got ${mask.dtype}`);
  }
  if (bias && bias.shape.length > 4) throw new KerasValueError(`bias ndim should be 4, but got ${bias.shape.length}`);
}

function checkHeads(q: Dim[], k: Dim[], keyShape: Dim[]): void {
  const [N, K] = [q[2], k[2]];
  if (K === 0) {
    throw new KerasValueError(`Argument \`key\` must have at least one key/value head. Received: key.shape=${formatShape(keyShape)}`);
  }
  if (N !== null && K !== null && N % K !== 0) {
    throw new KerasValueError(`The number of query heads must be a multiple of key/value heads, but got ${N} vs ${K}`);
  }
}

/** Whether `shape` broadcasts to `target` without growing it: each dim 1 or the target's. */
const fitsTarget = (shape: Dim[], target: Dim[], axes: readonly number[]) =>
  axes.every((i) => shape[i] === 1 || sameDim(shape[i], target[i]));

/**
 * bias and mask broadcast to (B, N, T, S) with every dim 1 or equal. jax.nn asserts on the head dim
 * first (its grouped reshape needs 1 or N: a ValueError here), then the add / and raise a TypeError.
 */
function checkBroadcast(named: [string, Optional][], target: Dim[]): (number[] | null)[] {
  const padded = named.map(([, spec]) => (spec ? pad4(spec.shape) : null));
  for (const [Err, axes] of [[KerasValueError, [1]], [KerasTypeError, [0, 2, 3]]] as const) {
    named.forEach(([name, spec], j) => {
      const shape = padded[j];
      if (spec && shape && !fitsTarget(shape, target, axes)) {
        throw new Err(
          `Argument \`${name}\` must broadcast to (B, N, T, S) = ${formatShape(target)}: each of its dims must be 1 ` +
            `or that size. Received: ${name}.shape=${formatShape(spec.shape)}`,
        );
      }
    });
  }
  return padded as (number[] | null)[];
}

/** Keras 3.6 checks the query's rank (jax.nn checks the others); from 3.7 all three. */
function checkRank4(query: Spec, key: Spec, value: Spec, all: boolean): void {
  if ((all ? [query, key, value] : [query]).some((s) => s.shape.length !== 4)) {
    throw new KerasValueError(
      '`dot_product_attention` only supports 4D inputs. ' +
        `Received: query.shape=${formatShape(query.shape)}, key.shape=${formatShape(key.shape)}, value.shape=${formatShape(value.shape)}.`,
    );
  }
}

function regularDims(q: Dim[], k: Dim[]): AttentionDims {
  const H = k[3] as number;
  return {
    batch: q[0] as number, queryLength: q[1] as number, numHeads: q[2] as number,
    keyLength: k[1] as number, kvHeads: k[2] as number, headDim: H, valueDim: H,
  };
}

/** Keras 3.6: jax.nn.dot_product_attention's checks raise as they are. */
function resolveSeed({ t, v, changed }: Args) {
  const { query, key, value, bias, mask } = t;
  const q = query.shape;
  checkRank4(query, key, value, changed('allRank4'));
  if (v.flash_attention !== undefined) checkFlash(v.flash_attention);
  const k = checkQkv(query, key, value);
  checkMaskAndBias(mask, bias);
  checkHeads(q, k, key.shape);
  const [biasShape, maskShape] = checkBroadcast([['bias', bias], ['mask', mask]], [q[0], q[2], q[1], k[1]]);
  const isCausal = checkBool(v.is_causal, 'is_causal');
  const scale = v.scale === null ? 1 / Math.sqrt(k[3] as number) : checkNumber(v.scale, 'scale');
  const attrs = { dims: regularDims(q, k), scale, isCausal, biasShape, maskShape, biasDtype: 'float32' as const };
  return { attrs, out: { shape: q, dtype: mixedDtype(query, key, value) } };
}

/**
 * Whether jax.nn.dot_product_attention takes the call (Keras 3.12 on: else Keras's fallback runs). Its
 * checks, then its grouped reshape (head dim 1 or N) and the broadcasts that keep (B, T): an S that
 * grows with the bias or mask still computes there, as in the fallback.
 */
function jaxTakes(query: Spec, key: Spec, value: Spec, bias: Optional, mask: Optional): boolean {
  const [q, k] = [query.shape, key.shape];
  if (!value.shape.every((d, i) => sameDim(d, k[i])) || !sameDim(q[0], k[0]) || !sameDim(q[3], k[3])) return false;
  if ((mask && (mask.shape.length > 4 || mask.dtype !== 'bool')) || (bias && bias.shape.length > 4)) return false;
  if (k[2] === 0 || (q[2] !== null && k[2] !== null && q[2] % k[2] !== 0)) return false;
  const target = [q[0], q[2], q[1], k[1]];
  const fits = (shape: Dim[]) => fitsTarget(shape, target, [0, 1, 2]) && (k[1] === 1 || fitsTarget(shape, target, [3]));
  return [bias, mask].every((s) => !s || fits(pad4(s.shape)));
}

/** The flash_attention flag: on CPU JAX (no cuDNN) True raises; None and False compute. */
function checkFlash(value: unknown): void {
  if (value !== null && typeof value !== 'boolean') {
    throw new KerasTypeError(`Argument \`flash_attention\` must be None or a bool. Received: flash_attention=${formatValue(value)}`);
  }
  if (value === true) throw new KerasRuntimeError('cuDNN is not detected.');
}

/**
 * Keras 3.12 on: q, k and v cast to their result dtype (the bias too), flash_attention, then
 * jax.nn.dot_product_attention, or Keras's own implementation where jax.nn raises.
 */
function resolveCast({ t, v, changed }: Args) {
  const { query, key, value, bias, mask } = t;
  checkRank4(query, key, value, changed('allRank4'));
  const dtype = changed('castMixed') ? resultType(query.dtype, key.dtype, value.dtype) : mixedDtype(query, key, value);
  checkFlash(v.flash_attention);
  const viaJax = jaxTakes(query, key, value, bias, mask);
  const plan = fallbackPlan(query.shape, key.shape, value.shape, viaJax ? 'jax' : 'keras', bias?.shape ?? null, mask?.shape ?? null);
  const isCausal = checkBool(v.is_causal, 'is_causal');
  const H = key.shape[3] as number;
  // jax.nn takes 1/sqrt(H) in float64; Keras's fallback takes jnp.sqrt(H) in float32 first.
  const scale = v.scale !== null ? checkNumber(v.scale, 'scale') : viaJax ? 1 / Math.sqrt(H) : 1 / Math.fround(Math.sqrt(H));
  const attrs = { dims: plan.dims, scale, isCausal, biasShape: plan.biasShape, maskShape: plan.maskShape, biasDtype: dtype };
  return { attrs, out: { shape: query.shape, dtype } };
}

const TPU_ONLY = 'attn_logits_soft_cap is only supported for JAX on TPU. Set attn_logits_soft_cap=None when not using JAX on TPU.';

export const attention = {
  dot_product_attention: defineOp<AttentionAttrs, Names, 'bias' | 'mask'>({
    params: [
      tensor('query'),
      tensor('key'),
      tensor('value'),
      optionalTensor('bias'),
      optionalTensor('mask'),
      kwarg('scale', null),
      kwarg('is_causal', false),
      kwarg('flash_attention', null, '3.7'), // keras-team/keras#20152, None from keras-team/keras#20489
      kwarg('attn_logits_soft_cap', null, '3.10'), // keras-team/keras#20999
    ],
    changes: {
      allRank4: {
        since: '3.7',
        pr: 'keras-team/keras#20489',
        what: "key and value must be 4-D too (Keras's \"only supports 4D inputs\"), where jax.nn took lower ranks with leading 1s.",
      },
      castMixed: {
        since: '3.12',
        pr: 'keras-team/keras#21558',
        what: 'q, k and v of different dtypes are cast to their result dtype (the bias too), which is the output dtype, where JAX raised.',
      },
      fallback: {
        since: '3.12',
        pr: 'keras-team/keras#21432',
        what:
          "Where jax.nn.dot_product_attention raises (a non-bool mask, other q/k/v shapes), Keras logs it and runs its own implementation: " +
          'a mask of any dtype (non-zero keeps), size-1 dims broadcast, and its own errors (a reshape TypeError for heads that do not divide).',
      },
    },
    outputs: 1,
    // Keras's wrapper checks the soft cap before anything else; off TPU any value raises.
    checkFirst: (values) => {
      if (values.attn_logits_soft_cap !== undefined && values.attn_logits_soft_cap !== null) throw new KerasValueError(TPU_ONLY);
    },
    resolve: (args) => (args.changed('fallback') ? resolveCast(args) : resolveSeed(args)),
  }),
};
