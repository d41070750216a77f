/**
 * Arbitraries and tensor helpers shared by the conv, losses, ctc and attention generators: seeds,
 * Keras's loose argument forms (int or tuple, case-folded strings, keywords left out), layouts, and the
 * float32 rounding bounds their tolerances are derived from.
 */
import * as fc from 'fast-check';
import type { DType } from '../../dtypes.js';
import type { GoldenValue, ToleranceWithReason } from '../../golden/cases.js';
import { GoldenTensor } from '../../golden/safetensors.js';
import { bools, floats, ints } from '../call.js';
import { sizeOf, U } from './common.js';

export { maxAbsFinite, seedArb, sizeOf, U, withSpecials } from './common.js';

/** A keyword left out (Keras's default applies) `omit` times in `omit + pass`, else drawn from `arb`. */
export const omittable = <T>(arb: fc.Arbitrary<T>, omit = 1, pass = 2): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: omit }, { arbitrary: arb, weight: pass });

/** A string argument in the spellings Keras lower-cases before checking it. */
export function caseVariants(value: string): string[] {
  return [value, value.toUpperCase(), value[0].toUpperCase() + value.slice(1)];
}

export type Layout = 'channels_last' | 'channels_first';

/** data_format as passed: left out, None (both channels_last), or a layout in some letter case. */
export const dataFormatArb: fc.Arbitrary<{ layout: Layout; arg: GoldenValue | undefined }> = fc.oneof(
  fc.constant({ layout: 'channels_last' as Layout, arg: undefined }),
  fc.constant({ layout: 'channels_last' as Layout, arg: null }),
  fc.constantFrom<Layout>('channels_last', 'channels_first').chain((layout) =>
    fc.constantFrom(layout, layout, ...caseVariants(layout)).map((arg) => ({ layout, arg })),
  ),
);

/** (batch, *spatial, channels) or (batch, channels, *spatial). */
export function layoutShape(batch: number, spatial: readonly number[], channels: number, layout: Layout): number[] {
  return layout === 'channels_last' ? [batch, ...spatial, channels] : [batch, channels, ...spatial];
}

/**
 * A per-dimension parameter (strides, dilation_rate) in one of Keras's forms: left out (every dim
 * `dflt`; not for a required parameter, `dflt` undefined), one int for every dim, or a tuple. `values`
 * is what each dim gets.
 */
export interface SpatialParam {
  values: number[];
  arg: GoldenValue | undefined;
}

export function spatialParamArb(rank: number, value: fc.Arbitrary<number>, dflt?: number): fc.Arbitrary<SpatialParam> {
  const given = [
    value.map((v) => ({ values: Array<number>(rank).fill(v), arg: v as GoldenValue | undefined })),
    fc.array(value, { minLength: rank, maxLength: rank }).map((vs) => ({ values: vs, arg: vs as GoldenValue | undefined })),
  ];
  if (dflt === undefined) return fc.oneof(...given);
  return fc.oneof(fc.constant({ values: Array<number>(rank).fill(dflt), arg: undefined }), ...given);
}

/** Floats of the form i/8 with |i| < 8*bound: every product and sum stays exact in float32. */
export function eighths(shape: readonly number[], seed: number, bound = 4): GoldenTensor {
  const t = ints(shape, -8 * bound, 8 * bound, seed);
  return new GoldenTensor('', 'float32', [...shape], Float32Array.from(t.data, (v) => v / 8));
}

/** A tensor of `dtype` for an arithmetic op: normal floats of `scale`, ints in [-bound, bound], or bools. */
export function numeric(shape: readonly number[], dtype: DType, seed: number, scale = 1, bound = 5): GoldenTensor {
  if (dtype === 'float32') return floats(shape, seed, { scale });
  if (dtype === 'int32') return ints(shape, -bound, bound + 1, seed);
  return bools(shape, seed);
}

/** NaN, infinities, signed zero and a subnormal: what a sum of products propagates the same in any order. */
export const SUM_SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-40] as const;

/** Higham's gamma_k = k*u / (1 - k*u): the relative error bound of a float32 sum or product of k terms. */
export function gamma(k: number): number {
  return (k * U) / (1 - k * U);
}

const fmt = (v: number) => v.toPrecision(3);

/**
 * The tolerance for results that Keras (float32, XLA's order) and a backend (another order, or float64
 * then rounded) may each miss by at most `bound`: their difference is at most 2*bound. Absent when
 * Keras's default (atol = rtol = 1e-6) already covers it.
 */
export function boundTolerance(atolBound: number, rtolBound: number, why: string): ToleranceWithReason | undefined {
  const atol = 2 * atolBound;
  const rtol = 2 * rtolBound;
  if (!(atol > 1e-6 || rtol > 1e-6)) return undefined;
  return { atol: Math.max(atol, 1e-6), rtol: Math.max(rtol, 1e-6), why: `${why}; x2 for two implementations: atol ${fmt(atol)}, rtol ${fmt(rtol)}` };
}

/**
 * For each output of a sum over `axes` of a tensor of `shape`, the flat indices that feed it: entry i
 * of the result is the group id of flat element i (row-major over the kept axes).
 */
export function groupIds(shape: readonly number[], axes: readonly number[]): { ids: Int32Array; groups: number } {
  const keptSizes = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const ids = new Int32Array(sizeOf(shape));
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < ids.length; flat++) {
    let id = 0;
    for (let d = 0; d < shape.length; d++) id = id * keptSizes[d] + (axes.includes(d) ? 0 : index[d]);
    ids[flat] = id;
    for (let d = shape.length - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
  }
  return { ids, groups: sizeOf(keptSizes) };
}

/** Per group, the sum of `term(i)` over its elements. */
export function groupSums(grouping: { ids: Int32Array; groups: number }, term: (i: number) => number): Float64Array {
  const sums = new Float64Array(grouping.groups);
  grouping.ids.forEach((g, i) => (sums[g] += term(i)));
  return sums;
}

export const maxOf = (xs: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i];
  return m;
};

/** An axis of a rank-`rank` tensor, as a positive or a negative index. */
export function axisArb(rank: number): fc.Arbitrary<{ axis: number; arg: number }> {
  return fc.integer({ min: 0, max: rank - 1 }).chain((axis) =>
    fc.constantFrom(axis, axis - rank).map((arg) => ({ axis, arg })),
  );
}

/** Reorders `xs` by a drawn permutation (for tuples of axes given in any order). */
export function shuffledArb<T>(xs: readonly T[]): fc.Arbitrary<T[]> {
  return fc.shuffledSubarray([...xs], { minLength: xs.length, maxLength: xs.length });
}
