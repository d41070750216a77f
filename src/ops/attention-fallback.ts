/**
 * The shapes dot_product_attention computes in from Keras 3.12 on, where Keras-JAX tries
 * jax.nn.dot_product_attention and, when that raises, runs its own implementation (jax:1829-1869):
 * query reshaped to (B, T, K, G, H), bias and mask grouped, then per group two einsums that broadcast
 * size-1 dims, the bias added and the mask applied with numpy broadcasting, and the result reshaped to
 * the query's shape. Each step raises what it raises in Keras, in Keras's order.
 */
import { formatShape } from '../format.js';
import { KerasTypeError, KerasValueError, KerasZeroDivisionError, UnsupportedError } from '../errors.js';

export type Dim = number | null;

/**
 * Sizes in Keras's notation: query (B,T,N,H), key and value (B,S,K,H), G = N / K query heads per kv
 * head. `headDim` is the H that q and k contract over, `valueDim` the H of the values and the output;
 * a q, k or v whose dim is 1 where these are larger is broadcast (Keras's fallback einsums do that).
 */
export interface AttentionDims {
  batch: number;
  queryLength: number;
  numHeads: number;
  keyLength: number;
  kvHeads: number;
  headDim: number;
  valueDim: number;
}

/** Equal, or unknown (a symbolic input's null dim matches any size). */
export const sameDim = (a: Dim, b: Dim): boolean => a === null || b === null || a === b;

const clashes = (a: Dim, b: Dim) => a !== null && b !== null && a !== 1 && b !== 1 && a !== b;

/** The broadcast of two dims that do not clash. */
const join = (a: Dim, b: Dim): Dim => (a === 1 ? b : b === 1 ? a : (a ?? b));

/** opt_einsum's check of a label met again: its message puts the earlier size first. */
function einsumLabel(label: string, operand: number, earlier: Dim, dim: Dim): Dim {
  if (clashes(earlier, dim)) {
    throw new KerasValueError(`Size of label '${label}' for operand ${operand} (${earlier}) does not match previous terms (${dim}).`);
  }
  return join(earlier, dim);
}

/** jnp's broadcasting of a binary op (`add`, `and`) between rank-4 shapes. */
function broadcastOp(name: string, a: Dim[], b: Dim[]): Dim[] {
  if (a.some((d, i) => clashes(d, b[i]))) {
    throw new KerasTypeError(`${name} got incompatible shapes for broadcasting: ${formatShape(a)}, ${formatShape(b)}.`);
  }
  return a.map((d, i) => join(d, b[i]));
}

const sizeOf = (shape: Dim[]): number | null => (shape.includes(null) ? null : (shape as number[]).reduce((x, y) => x * y, 1));

function checkReshape(from: Dim[], to: Dim[]): void {
  const [a, b] = [sizeOf(from), sizeOf(to)];
  if (a !== null && b !== null && a !== b) {
    throw new KerasTypeError(`cannot reshape array of shape ${formatShape(from)} (size ${a}) into shape ${formatShape(to)} (size ${b})`);
  }
}

/**
 * A bias or mask as rank 4. jax.nn pads lower ranks with leading 1s; Keras's fallback inserts a 1 at
 * dim 1 until it has 4 dims, or at dim 2 for (B, N, S) with N heads (Keras 3.13 on).
 */
function asRank4(shape: Dim[], rule: 'jax' | 'keras', N: Dim): Dim[] {
  if (rule === 'jax') return [...Array<Dim>(Math.max(0, 4 - shape.length)).fill(1), ...shape];
  let t = [...shape];
  while (t.length < 4) {
    if (t.length === 0) throw new KerasValueError('axis 1 is out of bounds for array of dimension 1');
    t = t.length === 3 && t[1] === N ? [t[0], t[1], 1, t[2]] : [t[0], 1, ...t.slice(1)];
  }
  if (t.length > 4) throw new KerasValueError('too many values to unpack (expected 4)');
  return t;
}

interface Grouped {
  /** (B, N, T, S) layout, head dim 1 or N: what the kernels index. */
  full: Dim[];
  /** What one query-head group sees: the head dim 1 or K. */
  slice: Dim[];
}

function grouped(name: string, shape: Dim[], rule: 'jax' | 'keras', N: Dim, K: Dim): Grouped {
  const full = asRank4(shape, rule, N);
  const [tB, tN, tT, tS] = full;
  if (tN === 1) return { full, slice: full };
  if (!sameDim(tN, N)) {
    throw new KerasValueError(`Expected \`${name}\` to have shape (B, 1, T, S) or (B, N, T, S) with N=${N} but got ${formatShape(full)}.`);
  }
  return { full, slice: [tB, K, tT, tS] };
}

export interface AttentionPlan {
  dims: AttentionDims;
  biasShape: number[] | null;
  maskShape: number[] | null;
}

/**
 * The sizes jax.nn (`rule` 'jax', which has checked the shapes) or Keras's fallback ('keras')
 * computes in, or the error the fallback raises. A result of the query's size in another shape
 * (two size-1 dims growing and shrinking each other away) is reinterpreted by Keras's reshape; that
 * one is left unsupported.
 */
export function fallbackPlan(q: Dim[], k: Dim[], v: Dim[], rule: 'jax' | 'keras', bias: Dim[] | null, mask: Dim[] | null): AttentionPlan {
  const [qB, qT, N, qH] = q;
  const [kB, kS, K, kH] = k;
  if (K === 0) throw new KerasZeroDivisionError('integer division or modulo by zero');
  const G = N === null || K === null ? null : Math.floor(N / K);
  checkReshape(q, [qB, qT, K, G, qH]);
  const b = bias && grouped('bias', bias, rule, N, K);
  const m = mask && grouped('mask', mask, rule, N, K);
  // BTNH,BSNH->BNTS: the query is operand 0, the key operand 1.
  const headDim = einsumLabel('H', 1, qH, kH);
  let logits: Dim[] = [einsumLabel('B', 1, qB, kB), K, qT, kS];
  if (b) logits = broadcastOp('add', logits, b.slice);
  if (m) logits = broadcastOp('and', logits, m.slice);
  // BNTS,BSNH->BTNH: the probabilities are operand 0, the value operand 1.
  const [vB, vS, vK, vH] = v;
  const batch = einsumLabel('B', 1, logits[0], vB);
  const keyLength = einsumLabel('S', 1, logits[3], vS);
  const kvHeads = einsumLabel('N', 1, logits[1], vK);
  const result = [batch, logits[2], kvHeads, G, vH];
  checkReshape(result, q);
  if (![batch, logits[2], kvHeads, vH].every((d, i) => sameDim(d, [qB, qT, K, qH][i]))) {
    throw new UnsupportedError(
      `Unsupported shapes: Keras computes dot_product_attention in shape ${formatShape(result)} and reshapes that to the query's ` +
        `${formatShape(q)}; keras-parity does not reproduce that reshape.`,
    );
  }
  const dims = { batch: qB, queryLength: qT, numHeads: N, keyLength, kvHeads: K, headDim, valueDim: vH } as AttentionDims;
  return { dims, biasShape: (b?.full as number[]) ?? null, maskShape: (m?.full as number[]) ?? null };
}
