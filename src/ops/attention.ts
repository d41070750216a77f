/** dot_product_attention: MHA, GQA and MQA, bias, boolean mask, top-left causal mask, scale. */
import { formatList, formatShape } from '../format.js';
import type { Spec } from '../dtypes.js';
import { type DType } from '../dtypes.js';
import { KerasTypeError, KerasValueError } from '../errors.js';
import { checkBool, checkNumber } from './args.js';
import { defineOp, kwarg, optionalTensor, tensor, type CallArgs } from './op.js';

type Dim = number | null;

/** Sizes in Keras's notation: query (B,T,N,H), key and value (B,S,K,H), G = N / K query heads per kv head. */
export interface AttentionDims {
  batch: number;
  queryLength: number;
  numHeads: number;
  keyLength: number;
  kvHeads: number;
  headDim: number;
}

export type AttentionAttrs = {
  dims: AttentionDims;
  /** The logit scale: `scale`, or 1/sqrt(H) for None. */
  scale: number;
  isCausal: boolean;
  /** bias and mask shapes left-padded to rank 4, each dim 1 or the (B, N, T, S) dim; null when absent. */
  biasShape: number[] | null;
  maskShape: number[] | null;
};

type Names = 'query' | 'key' | 'value';
type Args = CallArgs<Names, 'bias' | 'mask'>;

const sameDim = (a: Dim, b: Dim): boolean => a === null || b === null || a === b;

/** jax.nn.dot_product_attention's `_ensure_4d`: lower ranks gain leading 1s. */
function pad4(shape: Dim[]): Dim[] {
  return [...Array<Dim>(Math.max(0, 4 - shape.length)).fill(1), ...shape];
}

/**
 * Keras-JAX rejects q, k, v of different dtypes. JavaScript infers int32 for `[1, 2]`, so a float query
 * with an integer-valued plain key would fail for no reason a JS user can see: int32 mixed with float32
 * computes in float32 instead (docs/deviations.md). A mix with bool raises jax.nn's error.
 */
function checkDtype(name: 'query' | 'value', spec: Spec, key: Spec): void {
  if (spec.dtype !== key.dtype && (spec.dtype === 'bool' || key.dtype === 'bool')) {
    throw new KerasValueError(`${name} dtype should be ${key.dtype}, but got ${spec.dtype}`);
  }
}

function resultDtype(...specs: Spec[]): DType {
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

function checkMaskAndBias(mask: Spec | null, bias: Spec | null): void {
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

/**
 * bias and mask broadcast to (B, N, T, S) with every dim 1 or equal. jax.nn asserts on the head dim
 * first (its grouped reshape needs 1 or N: a ValueError here), then the add / and raise a TypeError.
 */
function checkBroadcast(named: [string, Spec | null][], target: Dim[]): (number[] | null)[] {
  const padded = named.map(([, spec]) => (spec ? pad4(spec.shape) : null));
  const fits = (shape: Dim[], i: number) => shape[i] === 1 || sameDim(shape[i], target[i]);
  for (const [Err, axes] of [[KerasValueError, [1]], [KerasTypeError, [0, 2, 3]]] as const) {
    named.forEach(([name, spec], j) => {
      const shape = padded[j];
      if (spec && shape && !axes.every((i) => fits(shape, i))) {
        throw new Err(
          `Argument \`${name}\` must broadcast to (B, N, T, S) = ${formatShape(target)}: each of its dims must be 1 ` +
            `or that size. Received: ${name}.shape=${formatShape(spec.shape)}`,
        );
      }
    });
  }
  return padded as (number[] | null)[];
}

function resolve({ t, v }: Args) {
  const { query, key, value, bias, mask } = t;
  const q = query.shape;
  if (q.length !== 4) {
    throw new KerasValueError(
      '`dot_product_attention` only supports 4D inputs. ' +
        `Received: query.shape=${formatShape(q)}, key.shape=${formatShape(key.shape)}, value.shape=${formatShape(value.shape)}.`,
    );
  }
  const k = checkQkv(query, key, value);
  checkMaskAndBias(mask, bias);
  checkHeads(q, k, key.shape);
  const [biasShape, maskShape] = checkBroadcast([['bias', bias], ['mask', mask]], [q[0], q[2], q[1], k[1]]);
  const isCausal = checkBool(v.is_causal, 'is_causal');
  const H = k[3] as number;
  const scale = v.scale === null ? 1 / Math.sqrt(H) : checkNumber(v.scale, 'scale');
  const dims: AttentionDims = {
    batch: q[0] as number, queryLength: q[1] as number, numHeads: q[2] as number,
    keyLength: k[1] as number, kvHeads: k[2] as number, headDim: H,
  };
  const out = { shape: q, dtype: resultDtype(query, key, value) };
  return { attrs: { dims, scale, isCausal, biasShape, maskShape }, out };
}

export const attention = {
  dot_product_attention: defineOp<AttentionAttrs, Names, 'bias' | 'mask'>({
    params: [tensor('query'), tensor('key'), tensor('value'), optionalTensor('bias'), optionalTensor('mask'), kwarg('scale', null), kwarg('is_causal', false)],
    outputs: 1,
    resolve,
  }),
};
