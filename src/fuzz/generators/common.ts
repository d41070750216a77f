/** What every family's generators share: the seed of a tensor, special values, float32's roundoff. */
import * as fc from 'fast-check';
import { GoldenTensor } from '../../golden/safetensors.js';
import { prng } from '../call.js';

/** Elements of a shape (or the product of any sizes). */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** float32's unit roundoff: one rounding changes a value by at most this much, relatively. */
export const U = 2 ** -24;

/** A tensor's seed: every tensor is drawn from one, so a case shrinks by its seed too. */
export const seedArb = fc.nat();

/**
 * float32 `t` with about `fraction` of its elements replaced by values drawn from `values` (a new tensor;
 * `t` is kept). Used where an op's special values are a subset of call.ts's SPECIAL_FLOATS.
 */
export function withSpecials(t: GoldenTensor, seed: number, fraction: number, values: readonly number[]): GoldenTensor {
  if (t.dtype !== 'float32') throw new Error(`withSpecials: special values need a float32 tensor, not ${t.dtype}`);
  if (fraction <= 0 || values.length === 0) return t;
  const next = prng(seed ^ 0x5bd1e995);
  const data = Float32Array.from(t.data);
  for (let i = 0; i < data.length; i++) {
    if (next() < fraction) data[i] = values[Math.floor(next() * values.length)];
  }
  return new GoldenTensor(t.key, 'float32', t.shape, data);
}

/** The largest |v| over the finite elements (0 for none): non-finite terms give non-finite results, compared exactly. */
export function maxAbsFinite(t: GoldenTensor): number {
  let m = 0;
  for (const v of t.data) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}
